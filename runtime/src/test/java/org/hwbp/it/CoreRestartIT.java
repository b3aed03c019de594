package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/**
 * Issue 10 section 2 to the letter. Stopping and starting
 * hwbp-core is a pause, not a reboot: meanwhile the clients answer
 * {@code EBUSY: core unavailable}; afterwards they re-register, {@code hwbp:list} and every CPU's registers
 * are what they were, and every client's commands work again.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CoreRestartIT extends SandboxTestSupport {

    @Before
    public void clientsBound() {
        awaitClients();
    }

    @Test
    public void hwbpListAndEveryCpusRegistersAreExactlyWhatTheyWere() throws BundleException {
        String shellBp = group("^bp (\\d+)$", exec("hwbp:register --cpu 1 0xffffffff82009000 8 rw"));
        int task = newTask("traced");
        exec("sim:switch 0 " + task);
        exec("ptrace:attach " + task);
        exec("ptrace:poke " + task + " dr0 0x404040");
        exec("ptrace:poke " + task + " dr7 0x000d0101");
        assertEquals("OK", exec("kgdb:packet Z2,ffffffff82001000,4"));
        String vm = group("^vm (\\d+)$", exec("kvm:create"));
        exec("kvm:guest-debug " + vm + " 0 --hw 0x401000,0,0,0,0x402");

        String list = exec("hwbp:list");
        assertMatches("^" + shellBp + "\\s+" + SHELL.replace(".", "\\.") + "\\s", list);
        List<String> regs = registers();
        String before = accounting();
        String entries = kgdbEntries(exec("kgdb:status"));
        String vcpu = exec("kvm:vcpu " + vm + " 0");
        assertEquals("ok", exec("sim:poke 0xffffffff82001000 0x1122334455667788 8"));
        assertEquals("no trap", exec("sim:access --kernel --value 0xabcd 1 0xfff 2 w"));

        Bundle core = requireBundle(CORE);
        core.stop();
        try {
            // The commands that need the core go with it; the shell's bundle management stays.
            assertFalse(hasCommand("hwbp", "list"));
            assertFalse(hasCommands("sim"));
            assertTrue(hasCommand("hwbp", "client"));
            assertEquals("EBUSY: core unavailable", error("ptrace:peek " + task + " dr0"));
            assertEquals("EBUSY: core unavailable", error("kgdb:status"));
            assertEquals("EBUSY: core unavailable", error("kvm:vcpu " + vm + " 0"));
        } finally {
            core.start();
        }
        awaitExec("hwbp:list");
        awaitClients();

        assertEquals(list, exec("hwbp:list"));
        assertEquals(regs, registers());
        assertEquals("88 77 66 55 44 33 22 11", exec("sim:peek 0xffffffff82001000 8"));
        assertEquals("cd ab", exec("sim:peek 0xfff 2"));
        assertEquals(before, accounting());
        assertEquals("true", exec("hwbp:used"));
        assertEquals("0x404040", exec("ptrace:peek " + task + " dr0"));
        assertEquals("0xd0101", exec("ptrace:peek " + task + " dr7"));
        assertEquals(entries, kgdbEntries(exec("kgdb:status")));
        assertEquals(vcpu, exec("kvm:vcpu " + vm + " 0"));
        assertEquals("ok", exec("hwbp:check"));

        // and everything works again
        assertMatches("^#DB dr6=0xffff0ff1$", exec("sim:access 0 0x404042 2 w"));
        assertEquals("SIGTRAP dr6=0xffff0ff1", exec("ptrace:wait " + task));
        assertMatches("^exit debug #DB dr6=0xffff0ff1 pc=0x401000 ", exec("kvm:run " + vm + " 0 2 0x401000:1:x"));
        assertEquals("OK", exec("kgdb:packet D"));
        exec("sim:exit " + task);
        exec("kvm:destroy " + vm);
        assertEquals("ok", exec("hwbp:unregister " + shellBp));
        assertEquals("false", exec("hwbp:used"));
        assertEquals("ok", exec("hwbp:check"));
    }

    /** Every CPU's {@code hwbp:regs}. */
    private List<String> registers() {
        List<String> regs = new ArrayList<>();
        for (int cpu = 0; cpu < 4; cpu++) {
            regs.add(exec("hwbp:regs " + cpu));
        }
        return regs;
    }
}
