package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/**
 * Stopping a client bundle releases everything it held: {@code hwbp:used} and the accounting are what they were
 * before it registered anything, the other owners' breakpoints stay installed, and the client comes back on start.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ClientStopIT extends SandboxTestSupport {

    @Before
    public void clientsBound() {
        awaitClients();
    }

    /** Every client active and bound again, nothing left registered. */
    @After
    public void everyClientBack() throws BundleException {
        for (String bsn : PROJECT_BUNDLES) {
            Bundle b = requireBundle(bsn);
            if (b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
        awaitClients();
        quietly("kgdb:packet D");
        assertEquals("ok", exec("hwbp:check"));
    }

    @Test
    public void stoppingPtraceReleasesItsWatchpoints() throws BundleException {
        int task = newTask("traced");
        exec("sim:switch 1 " + task);
        String usedBefore = exec("hwbp:used");
        String before = accounting();
        try {
            exec("ptrace:attach " + task);
            exec("ptrace:poke " + task + " dr0 0x404040");
            exec("ptrace:poke " + task + " dr1 0x404080");
            exec("ptrace:poke " + task + " dr7 0x000d0105");
            assertEquals("true", exec("hwbp:used"));
            String watching = accounting();
            assertMatches("^1\\s+HOST\\s+2/4\\s+2\\s", watching);
            String status = exec("ptrace:status " + task);
            assertMatches("^DR0 0x404040 len 4 w enabled bp \\d+ installed cpu 1 slot 0", status);
            assertMatches("^DR1 0x404080 len 8 x enabled bp \\d+ installed cpu 1 slot 1", status);
            assertMatches("^DR7 0xd0105 \\(ptrace_dr7\\)$", status);

            requireBundle(PTRACE).stop();
            assertFalse(hasCommands("ptrace"));
            assertEquals(usedBefore, exec("hwbp:used"));
            assertEquals(before, accounting());
            assertEquals("ok", exec("hwbp:check"));
            assertEquals("no trap", exec("sim:access 1 0x404040 4 w"));

            // the tracer's state was saved in the bundle's data area and is read back: the same DRs, enabled, in
            // the same slots (new breakpoint ids are the only difference), and the watchpoint traps again
            requireBundle(PTRACE).start();
            assertEquals(withoutIds(status), withoutIds(awaitBound("ptrace:status " + task)));
            assertEquals("true", exec("hwbp:used"));
            assertEquals(watching, accounting());
            assertMatches("^#DB dr6=0xffff0ff1$", exec("sim:access 1 0x404040 4 w"));
            assertEquals("SIGTRAP dr6=0xffff0ff1", exec("ptrace:wait " + task));
            assertEquals("ok", exec("hwbp:check"));
        } finally {
            exec("sim:exit " + task);
        }
        assertEquals(usedBefore, exec("hwbp:used"));
    }

    /** A {@code ptrace:status} report with its breakpoint ids masked: a restored DR is a new registration. */
    private static String withoutIds(String status) {
        return status.replaceAll(" bp \\d+ ", " bp N ");
    }

    @Test
    public void stoppingKgdbWhileItHoldsTheMachineHandsEveryCpuBack() throws BundleException {
        String usedBefore = exec("hwbp:used");
        String before = accounting();
        assertEquals("OK", exec("kgdb:packet Z2,ffffffff82001000,4"));
        assertEquals("ok", exec("kgdb:break"));
        assertMatches("^0\\s+DEBUGGER(.|\\n)*^1\\s+DEBUGGER(.|\\n)*^2\\s+DEBUGGER(.|\\n)*^3\\s+DEBUGGER", accounting());
        assertEquals("true", exec("hwbp:used"));

        requireBundle(KGDB).stop();
        assertFalse(hasCommands("kgdb"));
        assertEquals(usedBefore, exec("hwbp:used"));
        assertEquals(before, accounting());
        assertMatches("release cpus=0-3 holder=DEBUGGER bundle=" + KGDB, exec("hwbp:events 20"));
        assertEquals("ok", exec("hwbp:check"));

        requireBundle(KGDB).start();
        awaitExec("kgdb:status");
        quietly("kgdb:packet D");
        assertEquals(usedBefore, exec("hwbp:used"));
        assertEquals(before, accounting());
    }

    @Test
    public void stoppingKvmLeavesTheHostBreakpointsAlone() throws BundleException {
        String shellBp = group("^bp (\\d+)$", exec("hwbp:register --cpu 0 0x601000 4 w"));
        String vm = group("^vm (\\d+)$", exec("kvm:create"));
        try {
            String usedBefore = exec("hwbp:used");
            String before = accounting();
            exec("kvm:guest-debug " + vm + " 0 --hw 0x401000,0,0,0,0x402");
            assertMatches("^exit debug #DB", exec("kvm:run " + vm + " 0 0 0x401000:1:x"));
            exec("kvm:guest-dr " + vm + " 0 0 0x5000");

            requireBundle(KVM).stop();
            assertFalse(hasCommands("kvm"));
            assertEquals(usedBefore, exec("hwbp:used"));
            assertEquals(before, accounting());
            assertMatches("^" + shellBp + "\\s.*installed cpu 0 slot 0$", exec("hwbp:list"));
            assertMatches("^#DB dr6=0xffff0ff1$", exec("sim:access --kernel 0 0x601000 4 w"));
            assertEquals("ok", exec("hwbp:check"));

            requireBundle(KVM).start();
            awaitExec("kvm:policy");
            assertEquals(usedBefore, exec("hwbp:used"));
        } finally {
            quietly("kvm:destroy " + vm);
            exec("hwbp:unregister " + shellBp);
        }
        assertEquals("false", exec("hwbp:used"));
    }
}
