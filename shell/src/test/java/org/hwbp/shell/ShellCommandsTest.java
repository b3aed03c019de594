package org.hwbp.shell;

import static org.assertj.core.api.Assertions.assertThat;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.HwbpException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hwbp: and sim: commands through a real Gogo session: parsing, ids, ownership and what they print. */
class ShellCommandsTest {
    private final GogoFixture f = new GogoFixture(4);

    @AfterEach
    void tearDown() {
        assertThat(f.runtime.check().problems).isEmpty();
        f.close();
    }

    private String ok(String command) {
        Outcome o = f.run(command);
        assertThat(o.error()).as(command).isNull();
        return o.output();
    }

    private void fails(String command, String errno, String error) {
        Outcome o = f.run(command);
        assertThat(o.errno()).as(command).isEqualTo(errno);
        assertThat(o.error()).as(command).isEqualTo(error);
    }

    @Test
    void badAndMissingArgumentsAreEinvalNamingThem() {
        fails("hwbp:register --cpu 0 zz 4 w", "EINVAL", "EINVAL: bad ADDR 'zz'");
        fails("hwbp:register --cpu 0 0x10 four w", "EINVAL", "EINVAL: bad LEN 'four'");
        fails("hwbp:register --cpu 0 0x10 4 q", "EINVAL", "EINVAL: bad TYPE 'q' (x, w or rw)");
        fails("hwbp:register --cpu 0 0x10", "EINVAL", "EINVAL: hwbp:register: missing LEN (usage: hwbp:register ADDR LEN TYPE)");
        fails("hwbp:register --cpu x 0x10 4 w", "EINVAL", "EINVAL: bad --cpu 'x'");
        fails("hwbp:register 0x1000 4 w --cpu", "EINVAL",
                "EINVAL: usage: hwbp:register [--cpu CPU] [--disabled] [--task TASK] [--user] ADDR LEN TYPE");
        fails("hwbp:register --cpu 0 --bogus 0x10 4 w", "EINVAL", "EINVAL: hwbp:register: unknown option '--bogus'");
        fails("hwbp:regs", "EINVAL", "EINVAL: hwbp:regs: missing CPU (usage: hwbp:regs CPU)");
        fails("sim:access 0 0x10 4 q --kernel", "EINVAL", "EINVAL: bad KIND 'q' (r, w or x)");
        fails("hwbp:nosuch 1", "ENOENT", "ENOENT: no command 'hwbp:nosuch' (try 'help')");
        assertThat(f.runtime.getMachine().used).isFalse();
    }

    @Test
    void theModelDecidesTargetsAndTypes() {
        fails("hwbp:register 0x601000 4 w", "EINVAL", "EINVAL: a breakpoint needs a CPU, a task, or both");
        fails("hwbp:register --cpu 9 0x601000 4 w", "EINVAL", "EINVAL: no CPU 9 (0..3)");
        fails("hwbp:register --task 3 0x601000 4 w", "ESRCH", "ESRCH: no such task 3");
        assertThat(f.run("hwbp:register --cpu 0 0x601000 4 r").errno()).isEqualTo("EINVAL");
        assertThat(f.run("hwbp:register --cpu 0 --user 0xffffffff82a40000 4 w").errno()).isEqualTo("EINVAL");
        assertThat(ok("hwbp:register --cpu 0 0x601000 4 w")).isEqualTo("bp 1");
    }

    @Test
    void idsArePerOwnerFromOneAndRefusalsConsumeNone() {
        var other = f.owner("org.hwbp.ptrace-client");
        Breakpoint theirs = other.register(BreakpointSpec.onCpu(1, 0x601000, 4, BreakpointSpec.W), (bp, hit) -> { });
        assertThat(theirs.id()).isEqualTo(1);
        assertThat(ok("sim:task")).isEqualTo("task 1");
        assertThat(ok("hwbp:register --task 1 0x601000 4 w")).isEqualTo("bp 1");
        fails("hwbp:register --cpu 0 0x601001 4 w", "EINVAL", "EINVAL: 0x601001 is not aligned to its length 4");
        assertThat(ok("hwbp:wide 0x602000 8 rw")).isEqualTo("wide 2");
        assertThat(ok("hwbp:register --cpu 2 0x603000 8 x")).isEqualTo("bp 3");
        // Another owner's breakpoint is out of reach: the shell's ids are its own.
        fails("hwbp:unregister 4", "ENOENT", "ENOENT: no breakpoint 4 registered by org.hwbp.shell");
        assertThat(ok("hwbp:unregister 1")).isEqualTo("ok");
        fails("hwbp:unregister 1", "ENOENT", "ENOENT: no breakpoint 1 registered by org.hwbp.shell");
        assertThat(theirs.isRegistered()).isTrue();
        assertThat(ok("hwbp:list")).contains("1   org.hwbp.ptrace-client  cpu 1").contains("2   org.hwbp.shell");
        other.close();
    }

    @Test
    void aWideIdIsModifiedAndUnregisteredOnEveryCpu() {
        assertThat(ok("hwbp:wide 0xffffffff82a40000 4 w")).isEqualTo("wide 1");
        assertThat(ok("hwbp:modify 1 --addr 0xffffffff82a40008 --len 8 --disable")).isEqualTo("bp 1");
        String list = ok("hwbp:list");
        assertThat(list.lines().filter(l -> l.contains("0xffffffff82a40008  8    w     disabled"))).hasSize(4);
        assertThat(ok("hwbp:modify 1 --enable --type rw")).isEqualTo("bp 1");
        assertThat(ok("hwbp:list")).contains("installed cpu 3 slot 0").doesNotContain("disabled");
        fails("hwbp:modify 1 --enable --disable", "EINVAL", "EINVAL: hwbp:modify: --enable and --disable together");
        fails("hwbp:modify 1 --len 3", "EINVAL", f.run("hwbp:modify 1 --len 3").error());
        assertThat(ok("hwbp:unregister 1")).isEqualTo("ok");
        assertThat(ok("hwbp:used")).isEqualTo("false");
        assertThat(ok("hwbp:list").lines()).hasSize(1);
    }

    @Test
    void listShowsTheStateOfEachBreakpoint() {
        ok("sim:task");
        ok("hwbp:register --task 1 0x601000 4 w");
        ok("hwbp:register --cpu 1 --disabled 0x601008 8 rw");
        ok("hwbp:register --task 1 --cpu 2 --user 0x601010 8 x");
        assertThat(ok("hwbp:list")).isEqualTo(String.join("\n",
                "ID  OWNER           TARGET        ADDR      LEN  TYPE  STATE",
                "1   org.hwbp.shell  task 1        0x601000  4    w     reserved",
                "2   org.hwbp.shell  cpu 1         0x601008  8    rw    disabled",
                "3   org.hwbp.shell  task 1 cpu 2  0x601010  8    x     reserved"));
        fails("hwbp:register --task 1 --cpu 2 --user 0x601010 4 x", "EINVAL",
                f.run("hwbp:register --task 1 --cpu 2 --user 0x601010 4 x").error());
        ok("sim:switch 2 1");
        assertThat(ok("hwbp:list")).contains("task 1        0x601000  4    w     installed cpu 2 slot 0")
                .contains("task 1 cpu 2  0x601010  8    x     installed cpu 2 slot 1");
        assertThat(ok("hwbp:cpus")).isEqualTo(String.join("\n",
                "CPU  HOLDER  SLOTS  INSTALLED  DR7      TASK",
                "0    HOST    1/4    0          0x400    idle",
                "1    HOST    2/4    0          0x400    idle",
                "2    HOST    2/4    2          0xd020a  task 1",
                "3    HOST    1/4    0          0x400    idle"));
    }

    @Test
    void regsShowHardwareAndShadowsAndAccessesTrap() {
        ok("sim:task");
        ok("hwbp:register --task 1 0x601000 4 w");
        ok("sim:switch 0 1");
        assertThat(ok("sim:access 0 0x601002 2 w")).isEqualTo(
                "#DB dr6=0xffff0ff1\nslot 0: bp 1 (org.hwbp.shell) task 1 triggered");
        assertThat(ok("sim:access 0 0x601004 4 w")).isEqualTo("no trap");
        assertThat(ok("hwbp:regs 0")).isEqualTo(String.join("\n",
                "DR0 0x601000  G w/4",
                "DR1 0x0  off",
                "DR2 0x0  off",
                "DR3 0x0  off",
                "DR6 0xffff0ff0  none",
                "DR7 0xd0202  G0 w/4 GE",
                "cpu_dr7 0xd0202  G0 w/4 GE",
                "cpu_debugreg[0] 0x601000",
                "cpu_debugreg[1] 0x0",
                "cpu_debugreg[2] 0x0",
                "cpu_debugreg[3] 0x0",
                "bp_per_reg[0] bp 1 (org.hwbp.shell)",
                "bp_per_reg[1] none",
                "bp_per_reg[2] none",
                "bp_per_reg[3] none",
                "hw_breakpoint_active true",
                "holder HOST"));
        assertThat(ok("hwbp:events 1")).matches("\\d+ trigger bp 1 \\(org.hwbp.shell\\) cpu 0 slot 0 addr 0x601002");
    }

    @Test
    void statsCountAndReset() {
        ok("sim:task");
        ok("hwbp:register --task 1 0x601000 4 w");
        ok("hwbp:register --cpu 0 0x601000 4 w");
        f.run("hwbp:register --cpu 0 0x601001 4 w");
        ok("sim:switch 1 1");
        ok("sim:access 1 0x601000 1 w");
        String stats = ok("hwbp:stats --reset");
        // CPU 0: DR0 and DR7 written at install; CPU 1 the same at sched-in, then the user-mode #DB reads DR6
        // and writes it back (exc_debug does not touch DR7 for a user-mode #DB).
        assertThat(stats).startsWith("dr_reads 1\ndr_writes 5\n")
                .contains("cpu0 dr_reads 0 dr_writes 2\ncpu1 dr_reads 1 dr_writes 3\n")
                .endsWith("registrations 2\nrefusals 1\ndebugger_claims 0\nguest_claims 0\ntriggers 1");
        assertThat(ok("hwbp:stats")).startsWith("dr_reads 0\ndr_writes 0\n").contains("registrations 0");
    }

    @Test
    void tasksSwitchAndExit() {
        assertThat(ok("sim:task editor")).isEqualTo("task 1");
        assertThat(ok("sim:task")).isEqualTo("task 2");
        assertThat(ok("sim:switch 3 2")).isEqualTo("ok");
        assertThat(ok("sim:tasks")).isEqualTo(String.join("\n",
                "ID  NAME    STATE     CPU",
                "1   editor  sleeping  -",
                "2   task2   running   3"));
        assertThat(ok("sim:switch 3 idle")).isEqualTo("ok");
        assertThat(ok("sim:exit 2")).isEqualTo("ok");
        fails("sim:exit 2", "ESRCH", "ESRCH: no such task 2");
        fails("sim:switch 0 2", "ESRCH", "ESRCH: no such task 2");
        fails("sim:access 0 0x10 4 w", "EINVAL", "EINVAL: CPU 0 runs no task; a user access needs one (or --kernel)");
        assertThat(ok("sim:access 0 0x10 4 w --kernel")).isEqualTo("no trap");
        assertThat(ok("hwbp:check")).isEqualTo("ok");
    }

    @Test
    void releasingTheShellsServiceReleasesItsBreakpoints() {
        ok("hwbp:wide 0x601000 4 w");
        ok("hwbp:register --cpu 0 0x602000 4 w");
        assertThat(f.runtime.getMachine().used).isTrue();
        f.breakpoints.close();
        assertThat(f.runtime.getMachine().used).isFalse();
        assertThat(f.runtime.getBreakpoints()).isEmpty();
    }

    @Test
    void failuresMapToTheTranscriptsErrorLine() {
        HwbpException einval = new HwbpException(org.hwbp.api.Errno.EINVAL, "bad");
        assertThat(GogoExecutor.failure("x:y", "", new RuntimeException("wrapped", einval), null))
                .isEqualTo(Outcome.failed("", "EINVAL: bad", "EINVAL"));
        assertThat(GogoExecutor.failure("x:y", "", new UnsupportedOperationException("EOPNOTSUPP: no BPEXT"), null))
                .isEqualTo(Outcome.failed("", "EOPNOTSUPP: no BPEXT", "EOPNOTSUPP"));
        assertThat(GogoExecutor.failure("hwbp:check", "", new IllegalStateException("invariants violated: x"), null))
                .isEqualTo(Outcome.failed("", "invariants violated: x", null));
        assertThat(GogoExecutor.failure("kvm:run 1", "out", new NullPointerException(), null))
                .isEqualTo(Outcome.failed("out", "NullPointerException", null));
        assertThat(GogoExecutor.failure("kvm:run 1 0 0", "", new IllegalArgumentException("Cannot coerce run(String) to any of []"), null))
                .isEqualTo(Outcome.failed("", "EINVAL: kvm:run: wrong arguments (see 'help kvm:run')", "EINVAL"));
    }
}
