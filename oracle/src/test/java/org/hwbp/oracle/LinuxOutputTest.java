package org.hwbp.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LinuxOutputTest {

    @Test
    void theGuestProgramsOutputIsCutIntoFilesAndSteps() {
        String out = String.join("\n",
                "### hwbp-oracle start",
                "# kernel: Linux 6.12.117+deb12-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1~deb12u1",
                "# online cpus: 4",
                "=== BEGIN a.hwbp",
                "# precheck: all slots free (cpu0:4,cpu1:4,cpu2:4,cpu3:4)",
                "STEP a.hwbp:3\tOK\ttask 1\t[forked pid 80 'a']",
                "STEP a.hwbp:4\tERRNO\terror: ENOSPC\t[perf_event_open(pid 80, cpu -1)]",
                "STEP a.hwbp:5\tOK\t#DB | perf bp 1 +1 0x601000/4/w\t[task 1 did the access]",
                "STEP a.hwbp:6\tUNSUP\tunsupported\t[command not mapped to syscalls]",
                "=== END a.hwbp",
                "### hwbp-oracle done");
        LinuxOutput o = LinuxOutput.parse(out);
        assertThat(o.done).isTrue();
        assertThat(o.onlineCpus()).isEqualTo(4);
        assertThat(o.kernel()).startsWith("Linux 6.12.117+deb12-amd64");
        assertThat(o.prechecks.get("a.hwbp")).startsWith("all slots free");
        assertThat(o.files.get("a.hwbp")).containsExactly(
                new LinuxAnswer(3, LinuxAnswer.Status.OK, "task 1", "forked pid 80 'a'"),
                new LinuxAnswer(4, LinuxAnswer.Status.ERRNO, "error: ENOSPC", "perf_event_open(pid 80, cpu -1)"),
                new LinuxAnswer(5, LinuxAnswer.Status.OK, "#DB | perf bp 1 +1 0x601000/4/w", "task 1 did the access"),
                new LinuxAnswer(6, LinuxAnswer.Status.UNSUP, "unsupported", "command not mapped to syscalls"));
        assertThat(o.files.get("a.hwbp").get(1).errno()).isEqualTo("ENOSPC");
    }

    @Test
    void anUnfinishedRunIsNotDone() {
        assertThat(LinuxOutput.parse("### hwbp-oracle start\n# online cpus: 2\n").done).isFalse();
    }
}
