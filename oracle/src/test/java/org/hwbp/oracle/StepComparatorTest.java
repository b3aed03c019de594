package org.hwbp.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepComparatorTest {

    private int line;

    private Step step(String cmd) {
        return new Step("f.hwbp", ++line, cmd);
    }

    private static LinuxAnswer ok(String text) {
        return new LinuxAnswer(0, LinuxAnswer.Status.OK, text, "");
    }

    private static LinuxAnswer errno(String name) {
        return new LinuxAnswer(0, LinuxAnswer.Status.ERRNO, "error: " + name, "");
    }

    private static LinuxAnswer unsupported() {
        return new LinuxAnswer(0, LinuxAnswer.Status.UNSUP, "unsupported", "command not mapped to syscalls");
    }

    private static final String SHELL = "(org.hwbp.shell)";

    /**
     * The owners the comparison knows are the ones the sandbox prints: every breakpoint line of the golden
     * transcripts of the scenarios the oracle maps is read as {@code bp N} or {@code ptrace} (the shell took the
     * {@code hwbp:} breakpoints over from hwbp-core after the oracle was written, and every hit then differed).
     */
    @Test
    void theGoldenTranscriptsBreakpointLinesAreAllNamedByTheComparison() throws IOException {
        Path goldens = Path.of("..", "runtime", "src", "test", "resources", "transcripts");
        for (String name : List.of("linux-conformance.txt", "ptrace-conformance.txt")) {
            List<String> slots = Files.readAllLines(goldens.resolve(name)).stream()
                    .filter(l -> l.trim().matches("slot \\d+: bp \\d+ .*")).toList();
            assertThat(slots).as(name).isNotEmpty();
            assertThat(StepComparator.sandboxHits(slots)).as(name).isNotEmpty()
                    .allMatch(h -> h.equals("ptrace") || h.matches("bp \\d+"));
        }
    }

    @Test
    void errorsCompareByTheirErrnoAndSuccessesByTheirText() {
        StepComparator c = new StepComparator(true);
        Outcome o = c.compare(step("hwbp:register --cpu 0 0x601001 2 w"), errno("EINVAL"),
                List.of("error: EINVAL: 0x601001 is not aligned to its length 2"));
        assertThat(o.verdict()).isEqualTo(Verdict.MATCH);
        assertThat(o.linux()).isEqualTo("EINVAL");
        assertThat(c.compare(step("hwbp:register --cpu 0 0x601000 4 w"), errno("ENOSPC"), List.of("bp 1")).verdict())
                .isEqualTo(Verdict.DIFF);
        assertThat(c.compare(step("ptrace:peek 1 dr7"), ok("0x201"), List.of("0x201")).verdict())
                .isEqualTo(Verdict.MATCH);
        assertThat(c.compare(step("ptrace:peek 1 dr7"), ok("0x201"), List.of("0x1")).verdict())
                .isEqualTo(Verdict.DIFF);
        assertThat(c.compare(step("hwbp:list"), unsupported(), List.of("ID OWNER")).verdict())
                .isEqualTo(Verdict.UNSUPPORTED);
    }

    @Test
    void anAccessComparesTheBreakpointsThatFired() {
        StepComparator c = new StepComparator(false);
        Outcome hit = c.compare(step("sim:access 0 0x601002 2 w"),
                ok("#DB | perf bp 1 +1 0x601000/4/w | ptrace task 1 SIGTRAP dr6=0xffff0ff1 dr7=0xd0101 dr0=0x601000 "
                        + "dr1=0x0 dr2=0x0 dr3=0x0"),
                List.of("#DB dr6=0xffff0ff3", "slot 0: bp 1 " + SHELL + " task 1 triggered",
                        "slot 1: bp 1 (org.hwbp.ptrace-client) task 1 triggered"));
        assertThat(hit.verdict()).isEqualTo(Verdict.MATCH);
        assertThat(hit.hit()).isTrue();
        assertThat(hit.linux()).isEqualTo("#DB bp 1, ptrace");
        Outcome miss = c.compare(step("sim:access 0 0x601004 4 r"), ok("no trap"), List.of("no trap"));
        assertThat(miss.verdict()).isEqualTo(Verdict.MATCH);
        assertThat(miss.hit()).isFalse();
        Outcome wrong = c.compare(step("sim:access 0 0x601000 4 w"), ok("#DB | perf bp 2 +1 0x601000/4/w"),
                List.of("#DB dr6=0xffff0ff1", "slot 0: bp 1 " + SHELL + " task 1 triggered"));
        assertThat(wrong.verdict()).isEqualTo(Verdict.DIFF);
    }

    @Test
    void aMisalignedAccessReportedAsAHitOnAnUntouchedBreakpointIsQemusArtefactA() {
        String linux = "#DB | perf bp 1 +1 0x601ea8/1/w";
        Step s = step("sim:access 0 0x601f22 8 w");
        Outcome o = new StepComparator(true).compare(s, ok(linux), List.of("no trap"));
        assertThat(o.verdict()).isEqualTo(Verdict.ARTEFACT);
        assertThat(o.note()).contains("(a) misaligned access").contains("bp 1 0x601ea8/1/w");
        // the real CPU is the ground truth: natively nothing is excused
        assertThat(new StepComparator(false).compare(s, ok(linux), List.of("no trap")).verdict())
                .isEqualTo(Verdict.DIFF);
    }

    @Test
    void aStaleHitFlagReportedBesideARealHitIsQemusArtefactB() {
        Outcome o = new StepComparator(true).compare(step("sim:access 0 0x6015a4 2 r"),
                ok("#DB | perf bp 1 +1 0x6015a4/2/rw | perf bp 2 +1 0x601f10/8/rw"),
                List.of("#DB dr6=0xffff0ff1", "slot 0: bp 1 " + SHELL + " task 1 triggered"));
        assertThat(o.verdict()).isEqualTo(Verdict.ARTEFACT);
        assertThat(o.note()).contains("(b) stale hit flag").contains("bp 2 0x601f10/8/rw");
        assertThat(o.hit()).isTrue();
    }

    @Test
    void aTrueHitMissedByAMisalignedAccessIsAnArtefactButNotWhenTheAccessIsAligned() {
        List<String> sandbox = List.of("#DB dr6=0xffff0ff1", "slot 0: bp 1 " + SHELL + " task 1 triggered");
        assertThat(new StepComparator(true).compare(step("sim:access 0 0x601003 4 w"), ok("no trap"), sandbox)
                .verdict()).isEqualTo(Verdict.ARTEFACT);
        assertThat(new StepComparator(true).compare(step("sim:access 0 0x601000 4 w"), ok("no trap"), sandbox)
                .verdict()).isEqualTo(Verdict.DIFF);
        // a hit the sandbox reports that the emulator's answer does not explain is a difference
        assertThat(new StepComparator(true).compare(step("sim:access 0 0x601003 4 w"),
                ok("#DB | perf bp 2 +1 0x601000/4/w"), sandbox).verdict()).isEqualTo(Verdict.DIFF);
    }

    @Test
    void twoBreakpointsOnOneAccessOfWhichLinuxUnderQemuSawOneIsArtefactC() {
        StepComparator c = new StepComparator(true);
        c.compare(step("ptrace:attach 1"), ok("ok"), List.of("ok"));
        Outcome o = c.compare(step("sim:access 0 0x600158 2 w"), ok("#DB | perf bp 4 +1 0x600158/1/w"),
                List.of("#DB dr6=0xffff0ff3", "slot 0: bp 4 " + SHELL + " task 1 triggered",
                        "slot 1: bp 1 (org.hwbp.ptrace-client) task 1 triggered"));
        assertThat(o.verdict()).isEqualTo(Verdict.ARTEFACT);
        assertThat(o.note()).contains("(c)").contains("ptrace missed");
        assertThat(c.compare(step("ptrace:wait 1"), ok("running"), List.of("SIGTRAP dr6=0xffff0ff4")).verdict())
                .isEqualTo(Verdict.ARTEFACT);
        // one DR of two seen: the wait's DR6 lacks the other's bit
        StepComparator d = new StepComparator(true);
        assertThat(d.compare(step("sim:access 0 0x600158 1 w"),
                ok("#DB | ptrace task 1 SIGTRAP dr6=0xffff0ff1 dr7=0x10005 dr0=0x600158 dr1=0x600158 dr2=0x0 dr3=0x0"),
                List.of("#DB dr6=0xffff0ff3", "slot 0: bp 1 (org.hwbp.ptrace-client) task 1 triggered",
                        "slot 1: bp 2 (org.hwbp.ptrace-client) task 1 triggered")).verdict()).isEqualTo(Verdict.MATCH);
        Outcome w = d.compare(step("ptrace:wait 1"), ok("SIGTRAP dr6=0xffff0ff1"), List.of("SIGTRAP dr6=0xffff0ff3"));
        assertThat(w.verdict()).isEqualTo(Verdict.ARTEFACT);
        assertThat(w.note()).contains("(c)");
        // fewer bits on the sandbox's side are a difference
        assertThat(d.compare(step("ptrace:wait 1"), ok("SIGTRAP dr6=0xffff0ff3"), List.of("SIGTRAP dr6=0xffff0ff1"))
                .verdict()).isEqualTo(Verdict.DIFF);
    }

    @Test
    void aTraceesDr6SpoiledByAnArtefactExcusesItsWaitUntilTheTracerWritesDr6() {
        StepComparator c = new StepComparator(true);
        c.compare(step("ptrace:attach 1"), ok("ok"), List.of("ok"));
        c.compare(step("ptrace:attach 2"), ok("ok"), List.of("ok"));
        Outcome a = c.compare(step("sim:access 0 0x601013 2 w"),
                ok("#DB | ptrace task 1 SIGTRAP dr6=0xffff0ff1 dr7=0x50001 dr0=0x601010 dr1=0x0 dr2=0x0 dr3=0x0"),
                List.of("no trap"));
        assertThat(a.verdict()).isEqualTo(Verdict.ARTEFACT);
        Outcome w = c.compare(step("ptrace:wait 1"), ok("SIGTRAP dr6=0xffff0ff1"), List.of("running"));
        assertThat(w.verdict()).isEqualTo(Verdict.ARTEFACT);
        assertThat(w.note()).contains("line " + a.step().line());
        assertThat(c.compare(step("ptrace:peek 1 dr6"), ok("0xffff0ff1"), List.of("0xffff0ff0")).verdict())
                .isEqualTo(Verdict.ARTEFACT);
        // another tracee is not excused
        assertThat(c.compare(step("ptrace:wait 2"), ok("running"), List.of("SIGTRAP dr6=0xffff0ff1")).verdict())
                .isEqualTo(Verdict.DIFF);
        c.compare(step("ptrace:poke 1 dr6 0xffff0ff0"), ok("0"), List.of("0"));
        assertThat(c.compare(step("ptrace:peek 1 dr6"), ok("0xffff0ff1"), List.of("0xffff0ff0")).verdict())
                .isEqualTo(Verdict.DIFF);
    }

    @Test
    void aSpuriousHitThatKilledAnUntracedTaskOnLinuxEndsWhatCanBeCompared() {
        StepComparator c = new StepComparator(true);
        c.compare(step("ptrace:attach 1"), ok("ok"), List.of("ok"));
        c.compare(step("ptrace:detach 1"), ok("ok"), List.of("ok"));
        Outcome o = c.compare(step("sim:access 0 0x600a23 8 w"),
                ok("#DB | ptrace task 1 killed by SIGTRAP dr7=0x50001 dr0=0x600a20 dr1=0x0 dr2=0x0 dr3=0x0"),
                List.of("no trap"));
        assertThat(o.verdict()).isEqualTo(Verdict.ARTEFACT);
        assertThat(o.note()).contains("ptrace DR0 0x600a20/2/w");
        Outcome later = c.compare(step("sim:access 0 0x600a20 1 w"),
                new LinuxAnswer(0, LinuxAnswer.Status.UNSUP, "unsupported", "no task switched in on that cpu"),
                List.of("#DB dr6=0xffff0ff1", "slot 0: bp 1 (org.hwbp.ptrace-client) task 1 triggered"));
        assertThat(later.verdict()).isEqualTo(Verdict.UNSUPPORTED);
        assertThat(c.compare(step("ptrace:attach 1"), errno("ESRCH"), List.of("ok")).note())
                .contains("artefact that hit an untraced task at line " + o.step().line());
        // a kill by a DR the access does touch is a true hit
        assertThat(new StepComparator(true).compare(step("sim:access 0 0x600a20 1 w"),
                ok("#DB | ptrace task 1 killed by SIGTRAP dr7=0x50001 dr0=0x600a20 dr1=0x0 dr2=0x0 dr3=0x0"),
                List.of("#DB dr6=0xffff0ff1", "slot 0: bp 1 (org.hwbp.ptrace-client) task 1 triggered")).verdict())
                .isEqualTo(Verdict.MATCH);
    }

    @Test
    void afterAnUnmappedStepThatMayChangeBreakpointsADifferenceIsUnsupported() {
        StepComparator c = new StepComparator(false);
        c.compare(step("hwbp:cpus"), unsupported(), List.of("CPU HOLDER"));
        assertThat(c.compare(step("hwbp:register --cpu 0 0x601000 4 w"), errno("ENOSPC"), List.of("bp 1")).verdict())
                .isEqualTo(Verdict.DIFF);
        c.compare(step("kgdb:packet Z1,ffffffff82000000,1"), unsupported(), List.of("OK"));
        Outcome o = c.compare(step("hwbp:register --cpu 0 0x601000 4 w"), errno("ENOSPC"), List.of("bp 1"));
        assertThat(o.verdict()).isEqualTo(Verdict.UNSUPPORTED);
        assertThat(o.note()).contains("line 3");
        // agreement is still agreement
        assertThat(c.compare(step("hwbp:used"), ok("true"), List.of("true")).verdict()).isEqualTo(Verdict.MATCH);
    }

    @Test
    void anAccessLinuxCannotMakeButTheSandboxTrappedOnEndsWhatCanBeObserved() {
        StepComparator c = new StepComparator(false);
        c.compare(step("sim:access 0 0x0 1 r"),
                new LinuxAnswer(0, LinuxAnswer.Status.UNSUP, "unsupported", "outside the fixed mappings"),
                List.of("#DB dr6=0xffff0ff1", "slot 0: bp 1 (org.hwbp.ptrace-client) task 1 triggered"));
        assertThat(c.compare(step("ptrace:wait 1"), ok("running"), List.of("SIGTRAP dr6=0xffff0ff1")).verdict())
                .isEqualTo(Verdict.UNSUPPORTED);
    }

    @Test
    void theRenderedLineShowsCommandBothAnswersAndTheVerdict() {
        Outcome o = new StepComparator(false).compare(step("sim:task a"), ok("task 1"), List.of("task 1"));
        assertThat(o.render()).isEqualTo("f.hwbp:1  sim:task a  | linux: task 1 | sandbox: task 1 | MATCH");
    }
}
