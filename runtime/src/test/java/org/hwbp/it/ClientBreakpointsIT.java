package org.hwbp.it;

import static org.junit.Assert.assertEquals;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** Each client bundle registers through the core and its breakpoint fires; a guest entry under a host breakpoint. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ClientBreakpointsIT extends SandboxTestSupport {

    @Before
    public void clientsBound() {
        awaitClients();
    }

    @After
    public void nothingLeft() {
        assertEquals("false", exec("hwbp:used"));
        assertEquals("ok", exec("hwbp:check"));
    }

    @Test
    public void ptraceWatchpointStopsTheTraceeWithSigtrap() {
        int task = newTask("gdb-target");
        try {
            assertEquals("ok", exec("sim:switch 0 " + task));
            assertEquals("ok", exec("ptrace:attach " + task));
            assertEquals("0", exec("ptrace:poke " + task + " dr0 0x404040"));
            // L0, LE; R/W0 = 01 (write), LEN0 = 11 (4 bytes)
            assertEquals("0", exec("ptrace:poke " + task + " dr7 0x000d0101"));
            assertEquals("true", exec("hwbp:used"));
            assertMatches("^\\d+\\s+" + PTRACE.replace(".", "\\.") + "\\s+task " + task
                + "\\s+0x404040\\s+4\\s+w\\s+installed cpu 0 slot 0$", exec("hwbp:list"));

            assertEquals("no trap", exec("sim:access 0 0x404040 4 r"));
            assertEquals("running", exec("ptrace:wait " + task));
            assertMatches("^#DB dr6=0xffff0ff1$", exec("sim:access 0 0x404042 2 w"));
            assertEquals("SIGTRAP dr6=0xffff0ff1", exec("ptrace:wait " + task));
            assertEquals("0xffff0ff1", exec("ptrace:peek " + task + " dr6"));
            assertEquals("ok", exec("ptrace:cont " + task));
            assertEquals("running", exec("ptrace:wait " + task));
        } finally {
            // exit flushes ptrace's breakpoints (flush_ptrace_hw_breakpoint)
            exec("sim:exit " + task);
        }
    }

    @Test
    public void kgdbHardwareBreakpointStopsTheMachine() {
        assertMatches("^bp 0: free$", exec("kgdb:status"));
        assertEquals("OK", exec("kgdb:packet Z2,ffffffff82001000,4"));
        try {
            assertMatches("^bp 0: w 0xffffffff82001000 len 4 reserved cpus 0,1,2,3 installed cpus 0,1,2,3$",
                exec("kgdb:status"));
            assertEquals("true", exec("hwbp:used"));

            assertMatches("triggered", exec("sim:access --kernel 2 0xffffffff82001000 4 w"));
            String status = exec("kgdb:status");
            assertMatches("^last stop: hw breakpoint 0 at 0xffffffff82001000 cpu 2 ", status);
            assertMatches("^debugger holds the machine", status);
            assertMatches("^holders: 0=DEBUGGER 1=DEBUGGER 2=DEBUGGER 3=DEBUGGER$", status);
            assertMatches("^DR7 0x400\\b", exec("hwbp:regs 2"));
        } finally {
            // detach: every kgdb breakpoint goes, the machine resumes
            assertEquals("OK", exec("kgdb:packet D"));
        }
        assertMatches("^debugger not active", exec("kgdb:status"));
        assertMatches("^bp 0: free$", exec("kgdb:status"));
        assertMatches("^0\\s+HOST(.|\\n)*^1\\s+HOST(.|\\n)*^2\\s+HOST(.|\\n)*^3\\s+HOST", exec("hwbp:cpus"));
    }

    @Test
    public void kvmGuestDebugBreakpointExitsToUserSpace() {
        String vm = group("^vm (\\d+)$", exec("kvm:create"));
        try {
            // KVM_SET_GUEST_DEBUG with USE_HW_BP: an instruction breakpoint at 0x401000 in DR0 (G0)
            assertEquals("ok", exec("kvm:guest-debug " + vm + " 0 --hw 0x401000,0,0,0,0x402"));
            assertMatches("^exit debug #DB dr6=0xffff0ff1 pc=0x401000 dr_reads=0 dr_writes=5$",
                exec("kvm:run " + vm + " 0 1 0x400ffc:1:x 0x401000:1:x"));
            // the guest's debug registers never became the host's
            assertMatches("^1\\s+HOST\\s+0/4", exec("hwbp:cpus"));
            assertEquals("ok", exec("kvm:guest-debug " + vm + " 0 --off"));
            assertMatches("^exit hlt dr_reads=\\d+ dr_writes=\\d+$", exec("kvm:run " + vm + " 0 1 0x401000:1:x"));
        } finally {
            exec("kvm:destroy " + vm);
        }
    }

    @Test
    public void guestEntryUnderAHostBreakpointRestoresTheHostRegisters() {
        String id = group("^bp (\\d+)$", exec("hwbp:register --cpu 0 0x601000 4 w"));
        String vm = group("^vm (\\d+)$", exec("kvm:create"));
        try {
            String regsBefore = hardwareAndShadows(exec("hwbp:regs 0"));
            assertMatches("^DR7 (0x[0-9a-f]+)\\b(.|\\n)*^cpu_dr7 \\1\\b", regsBefore);
            // today's KVM: DR7 <- 0x400 before the entry, hw_breakpoint_restore() after the exit (1 + 6 writes)
            assertEquals("exit hlt dr_reads=0 dr_writes=7", exec("kvm:run " + vm + " 0 0"));
            String regsAfter = exec("hwbp:regs 0");
            assertEquals(regsBefore, hardwareAndShadows(regsAfter));
            assertMatches("^holder HOST$", regsAfter);
            assertMatches("^#DB dr6=0xffff0ff1$", exec("sim:access --kernel 0 0x601000 4 w"));
            assertEquals("ok", exec("hwbp:check"));
        } finally {
            exec("kvm:destroy " + vm);
            exec("hwbp:unregister " + id);
        }
    }

    /** The DR0-DR3, DR7 and shadow lines of {@code hwbp:regs} (DR6 is the #DB status, left aside). */
    private static String hardwareAndShadows(String regs) {
        StringBuilder sb = new StringBuilder();
        for (String line : regs.split("\n")) {
            if (!line.startsWith("DR6")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }
}
