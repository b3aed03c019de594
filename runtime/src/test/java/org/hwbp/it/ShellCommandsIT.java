package org.hwbp.it;

import static org.junit.Assert.assertEquals;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** The core's {@code hwbp:} and {@code sim:} commands through Gogo's CommandProcessor, and bad input to them. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellCommandsIT extends SandboxTestSupport {

    @Before
    public void clientsBound() {
        awaitClients();
    }

    @Test
    public void registerListAndUnregisterFromTheShell() {
        String before = accounting();
        String id = group("^bp (\\d+)$", exec("hwbp:register --cpu 1 0xffffffff82006000 8 w"));
        assertEquals("true", exec("hwbp:used"));
        assertMatches("^" + id + "\\s+" + SHELL.replace(".", "\\.") + "\\s+cpu 1\\s+0xffffffff82006000\\s+8\\s+w"
            + "\\s+installed cpu 1 slot \\d$", exec("hwbp:list"));
        assertMatches("^1\\s+HOST\\s+1/4\\s+1\\s", exec("hwbp:cpus"));
        assertMatches("^cpu_debugreg\\[\\d\\] 0xffffffff82006000$", exec("hwbp:regs 1"));
        assertEquals("ok", exec("hwbp:check"));

        assertEquals("ok", exec("hwbp:unregister " + id));
        assertEquals("false", exec("hwbp:used"));
        assertEquals(before, accounting());
        assertEquals("ok", exec("hwbp:check"));
    }

    @Test
    public void simulatedMemoryIsWrittenByAccessesAndPokesAndReadByPeeks() {
        int task = newTask("writer");
        assertEquals("ok", exec("sim:switch 3 " + task));
        try {
            assertEquals("00 00 00 00", exec("sim:peek 0x7000ffe 4"));
            assertEquals("no trap", exec("sim:access --value 0x11223344 3 0x7000ffe 4 w"));
            assertEquals("44 33 22 11", exec("sim:peek 0x7000ffe 4"));
            assertEquals("ok", exec("sim:poke 0x7000fff 0xbeef 2"));
            assertEquals("00 44 ef be 11 00", exec("sim:peek 0x7000ffd 6"));
            assertEquals("no trap", exec("sim:access 3 0x7000ffe 2 w"));
            assertEquals("00 00 00 be 11 00", exec("sim:peek 0x7000ffd 6"));
            assertMatches("1 byte", error("EINVAL", "sim:poke 0x7000000 0x100 1"));
            assertMatches("write", error("EINVAL", "sim:access --value 1 3 0x7000000 4 r"));
            assertMatches("address space", error("EINVAL", "sim:peek 0xffffffffffffffff 2"));
            assertMatches("LEN", error("EINVAL", "sim:peek 0x1000 0"));
            assertEquals("ok", exec("hwbp:check"));
        } finally {
            exec("sim:exit " + task);
        }
    }

    @Test
    public void simulatedTaskTripsItsBreakpointOnlyWhileItRuns() {
        int task = newTask("watched");
        String id = group("^bp (\\d+)$", exec("hwbp:register --task " + task + " 0x404000 4 w"));
        try {
            // not running anywhere: the breakpoint holds its slot but is not installed
            assertMatches("^" + id + "\\s.*\\s+reserved$", exec("hwbp:list"));
            assertEquals("ok", exec("sim:switch 2 " + task));
            assertMatches("^" + id + "\\s.*installed cpu 2 slot \\d$", exec("hwbp:list"));
            assertEquals("no trap", exec("sim:access 2 0x404000 4 r"));
            assertMatches("^#DB dr6=0xffff0ff[1248]$", exec("sim:access 2 0x404002 2 w"));
            assertEquals("ok", exec("sim:switch 2 idle"));
            assertEquals("no trap", exec("sim:access --kernel 2 0x404002 2 w"));
        } finally {
            exec("hwbp:unregister " + id);
            exec("sim:exit " + task);
        }
        assertEquals("false", exec("hwbp:used"));
        assertEquals("ok", exec("hwbp:check"));
    }

    @Test
    public void malformedCommandsGiveAnErrnoAndChangeNothing() {
        String stats = registrations();
        String before = accounting();

        assertMatches("ADDR", error("EINVAL", "hwbp:register --cpu 0 banana 4 w"));
        assertMatches("LEN|TYPE", error("EINVAL", "hwbp:register --cpu 0 0x1000"));
        error("EINVAL", "hwbp:register 0x404000 4 w");              // neither --cpu nor --task
        error("EINVAL", "hwbp:register --cpu 0 0x404000 4 r");      // x86 has no read-only breakpoint
        error("EINVAL", "hwbp:register --cpu 0 0x404000 3 w");      // no 3-byte length
        error("ENOENT", "hwbp:unregister 4242");
        error("ESRCH", "hwbp:register --task 4242 0x404000 4 w");
        assertMatches("CPU", error("EINVAL", "sim:access x 0x1000 4 w"));
        error("EINVAL", "sim:access 0 0x1000 4 q");
        assertMatches("TASK", error("EINVAL", "ptrace:attach"));
        error("ESRCH", "ptrace:attach 4242");
        error("EINVAL", "kvm:create --vcpus 0");
        error("ENOENT", "kvm:run 4242 0 0");

        // the runtime keeps working, and nothing was registered or counted by the refused requests
        assertEquals("false", exec("hwbp:used"));
        assertEquals(before, accounting());
        assertEquals("ok", exec("hwbp:check"));
        String id = group("^bp (\\d+)$", exec("hwbp:register --cpu 0 0x404000 4 w"));
        assertEquals("ok", exec("hwbp:unregister " + id));
        assertEquals(Long.parseLong(stats) + 1, Long.parseLong(registrations()));
    }

    private String registrations() {
        return group("^registrations (\\d+)$", exec("hwbp:stats"));
    }
}
