package org.hwbp.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventMarksTest {
    private static final List<Lane> NONE = List.of();

    @Test
    void cpuListsAsTheCoreWritesThem() {
        assertThat(EventMarks.cpus("claim cpus=0-3 holder=DEBUGGER bundle=x")).containsExactly(0, 1, 2, 3);
        assertThat(EventMarks.cpus("claim cpus=2 holder=GUEST 1/0 bundle=x")).containsExactly(2);
        assertThat(EventMarks.cpus("claim cpus=0,2,5 holder=DEBUGGER bundle=x")).containsExactly(0, 2, 5);
        assertThat(EventMarks.cpus("release cpus=0-1,8 holder=DEBUGGER bundle=x")).containsExactly(0, 1, 8);
    }

    @Test
    void eachEventShape() {
        assertThat(EventMarks.of("preempt bp 3 (org.hwbp.kgdb-client) reason=DEBUGGER_CLAIM cpu 2", NONE, NONE))
                .containsExactly(new Mark(Mark.Kind.PREEMPT, 2,
                        "preempt bp 3 (org.hwbp.kgdb-client) reason=DEBUGGER_CLAIM cpu 2"));
        assertThat(EventMarks.of("trigger bp 1 (org.hwbp.hwbp-core) cpu 0 slot 1 addr 0x10", NONE, NONE))
                .extracting(Mark::kind, Mark::cpu)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Mark.Kind.TRIGGER, 0));
        assertThat(EventMarks.of("error bp 1 (x) could not be installed on CPU 3: busy", NONE, NONE))
                .extracting(Mark::kind, Mark::cpu)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Mark.Kind.FAULT, 3));
        assertThat(EventMarks.of("fault org.hwbp.kvm-client claimed: timeout", NONE, NONE))
                .extracting(Mark::kind, Mark::cpu)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Mark.Kind.FAULT, -1));
        assertThat(EventMarks.of("something new", NONE, NONE)).isEmpty();
    }

    @Test
    void aPreemptionWithoutCpuIsDrawnWhereTheBreakpointWas() {
        Lane cpu0 = new Lane(0, "HOST", "HOST", Arrays.asList(null, "hwbp-core bp 2", null, null));
        Lane cpu1 = new Lane(1, "HOST", "HOST", Arrays.asList("hwbp-core bp 2", null, null, null));
        Lane cpu2 = new Lane(2, "HOST", "HOST", Arrays.asList(null, null, null, null));
        String msg = "preempt bp 2 (org.hwbp.hwbp-core) reason=DEBUGGER_PRIORITY by org.hwbp.kgdb-client";
        assertThat(EventMarks.of(msg, List.of(cpu0, cpu1, cpu2), NONE)).extracting(Mark::cpu)
                .containsExactly(0, 1);
        assertThat(EventMarks.of(msg, NONE, NONE)).extracting(Mark::cpu).containsExactly(-1);
    }
}
