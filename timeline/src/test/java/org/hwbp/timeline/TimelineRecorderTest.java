package org.hwbp.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TimelineRecorderTest {
    private final ScriptedRuntime rt = new ScriptedRuntime(4);
    private final TimelineRecorder recorder = new TimelineRecorder(() -> rt, "test", 100);

    private static List<Mark.Kind> kinds(Step s) {
        return s.marks().stream().map(Mark::kind).collect(Collectors.toList());
    }

    @Test
    void lanesShowHoldersAndSlotOccupants() {
        rt.slot(1, 0, "org.hwbp.ptrace-client", 1);
        rt.holders[2] = "GUEST 1/0";
        Step s = recorder.sample("ptrace:poke 1 dr7 0x1", null);
        assertThat(s.lanes()).hasSize(4);
        assertThat(s.lanes().get(1).slots()).containsExactly("ptrace-client bp 1", null, null, null);
        assertThat(s.lanes().get(2).holderKind()).isEqualTo("GUEST");
        assertThat(s.lanes().get(2).holder()).isEqualTo("GUEST 1/0");
        assertThat(s.marks()).isEmpty();
    }

    @Test
    void aDebuggerClaimMarksEveryCpuAndItsPreemptions() {
        rt.slot(1, 0, "org.hwbp.ptrace-client", 1);
        recorder.sample("ptrace:poke 1 dr7 0x1", null);
        rt.event("claim cpus=0-3 holder=DEBUGGER bundle=org.hwbp.kgdb-client");
        rt.event("preempt bp 1 (org.hwbp.ptrace-client) reason=DEBUGGER_CLAIM cpu 1");
        for (int c = 0; c < 4; c++) {
            rt.holders[c] = "DEBUGGER";
        }
        rt.slot(1, 0, null, 0);
        Step s = recorder.sample("kgdb:break", null);
        assertThat(s.lanes()).allMatch(l -> l.holderKind().equals("DEBUGGER"));
        assertThat(s.marks()).filteredOn(m -> m.kind() == Mark.Kind.CLAIM).extracting(Mark::cpu)
                .containsExactly(0, 1, 2, 3);
        assertThat(s.marks()).filteredOn(m -> m.kind() == Mark.Kind.PREEMPT).extracting(Mark::cpu)
                .containsExactly(1);

        rt.event("restore bp 1 (org.hwbp.ptrace-client) reason=DEBUGGER_CLAIM");
        rt.event("release cpus=0-3 holder=DEBUGGER bundle=org.hwbp.kgdb-client");
        for (int c = 0; c < 4; c++) {
            rt.holders[c] = "HOST";
        }
        rt.slot(1, 0, "org.hwbp.ptrace-client", 1);
        Step after = recorder.sample("kgdb:continue", null);
        // The restore names no CPU: it is drawn where the breakpoint is installed afterwards.
        assertThat(after.marks()).filteredOn(m -> m.kind() == Mark.Kind.RESTORE).extracting(Mark::cpu)
                .containsExactly(1);
        assertThat(after.marks()).filteredOn(m -> m.kind() == Mark.Kind.RELEASE).hasSize(4);
    }

    @Test
    void refusalsAreEnospcOrEbusyFailuresOrARisingCounterWithoutFailure() {
        recorder.sample("start", null);
        rt.refusals = 1;
        assertThat(kinds(recorder.sample("hwbp:register --cpu 0 0x1000 4 w", "ENOSPC: no slot on CPU 0")))
                .containsExactly(Mark.Kind.REFUSAL);
        rt.refusals = 2;
        assertThat(kinds(recorder.sample("hwbp:register --cpu 9 0x1000 4 w", "EINVAL: no CPU 9 (0..3)")))
                .isEmpty();
        assertThat(kinds(recorder.sample("sim:inflight 0", "EBUSY: core unavailable")))
                .containsExactly(Mark.Kind.REFUSAL);
        rt.refusals = 3;
        Step e01 = recorder.sample("kgdb:packet Z2,ffffffff82001000,4", null);
        assertThat(kinds(e01)).containsExactly(Mark.Kind.REFUSAL);
        assertThat(e01.marks().get(0).cpu()).isEqualTo(-1);
        assertThat(kinds(recorder.sample("hwbp:used", null))).isEmpty();
    }

    @Test
    void guestEntriesTheLogDidNotTellAreMarkedOnTheMachineRow() {
        recorder.sample("start", null);
        rt.guestClaims = 2; // two VM entries nobody listened to: counted, not logged
        Step s = recorder.sample("kvm:run 1 0 2", null);
        assertThat(s.marks()).extracting(Mark::kind, Mark::cpu).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Mark.Kind.GUEST_ENTRY, -1));
        assertThat(s.marks().get(0).text()).startsWith("2 guest entries");
        rt.guestClaims = 3; // one that was logged (a listener wanted it)
        rt.event("claim cpus=2 holder=GUEST 1/0 bundle=org.hwbp.kvm-client");
        rt.event("release cpus=2 holder=GUEST 1/0 bundle=org.hwbp.kvm-client");
        assertThat(kinds(recorder.sample("kvm:run 1 0 2", null))).containsExactly(Mark.Kind.CLAIM,
                Mark.Kind.RELEASE);
    }

    @Test
    void pollingRecordsOnlyChanges() {
        assertThat(recorder.sampleIfChanged().label()).isEqualTo("start"); // the first sample
        assertThat(recorder.sampleIfChanged()).isNull();
        rt.event("trigger bp 1 (org.hwbp.hwbp-core) cpu 0 slot 0 addr 0x601000");
        Step s = recorder.sampleIfChanged();
        assertThat(s.label()).isEqualTo("trigger bp 1 (org.hwbp.hwbp-core) cpu 0 slot 0 addr 0x601000");
        assertThat(s.marks()).extracting(Mark::kind, Mark::cpu).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Mark.Kind.TRIGGER, 0));
        rt.holders[3] = "GUEST 2/1";
        assertThat(recorder.sampleIfChanged().label()).isEqualTo("change");
        assertThat(recorder.stepCount()).isEqualTo(3);
    }

    @Test
    void aRestartedLogIsReadFromItsStart() {
        rt.event("claim cpus=0 holder=GUEST 1/0 bundle=org.hwbp.kvm-client");
        rt.event("release cpus=0 holder=GUEST 1/0 bundle=org.hwbp.kvm-client");
        rt.event("claim cpus=0 holder=GUEST 1/0 bundle=org.hwbp.kvm-client");
        recorder.sample("three events", null);
        rt.restartLog();
        rt.event("claim cpus=1 holder=DEBUGGER bundle=org.hwbp.kgdb-client");
        Step s = recorder.sample("after the core restarted", null);
        assertThat(s.marks()).extracting(Mark::kind, Mark::cpu).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Mark.Kind.CLAIM, 1));
    }

    @Test
    void keepsTheLastStepsAndCountsTheDroppedOnes() {
        TimelineRecorder small = new TimelineRecorder(() -> rt, "small", 3);
        for (int i = 0; i < 5; i++) {
            small.sample("cmd " + i, null);
        }
        Timeline t = small.timeline();
        assertThat(t.steps()).extracting(Step::label).containsExactly("cmd 2", "cmd 3", "cmd 4");
        assertThat(t.dropped()).isEqualTo(2);
    }

    @Test
    void nothingIsSampledWhileTheCoreIsUnavailable() {
        TimelineRecorder none = new TimelineRecorder(() -> null, "none", 3);
        assertThat(none.sample("lb", null)).isNull();
        assertThat(none.sampleIfChanged()).isNull();
        assertThat(none.timeline().steps()).isEmpty();
    }
}
