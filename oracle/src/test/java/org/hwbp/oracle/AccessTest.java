package org.hwbp.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccessTest {

    private static Access access(String cmd) {
        return Access.of(new Step("f", 1, cmd));
    }

    @Test
    void aDataBreakpointFiresWhenTheAccessTouchesAByteOfItsRangeInItsDirection() {
        Range w4 = new Range(0x601000, 4, "w");
        assertThat(access("sim:access 0 0x601002 2 w").hits(w4)).isTrue();
        assertThat(access("sim:access 0 0x600ffc 8 w").hits(w4)).isTrue();
        assertThat(access("sim:access 0 0x600ff8 8 w").hits(w4)).isFalse();
        assertThat(access("sim:access 0 0x601004 1 w").hits(w4)).isFalse();
        assertThat(access("sim:access 0 0x601000 4 r").hits(w4)).isFalse();
        assertThat(access("sim:access 0 0x601003 1 r").hits(new Range(0x601000, 4, "rw"))).isTrue();
        assertThat(access("sim:access 0 0x601000 1 x").hits(new Range(0x601000, 4, "rw"))).isFalse();
    }

    @Test
    void anExecuteBreakpointFiresOnlyForAnInstructionAtItsAddress() {
        Range x = new Range(0x401000, 1, "x");
        assertThat(access("sim:access 1 0x401000 1 x").hits(x)).isTrue();
        assertThat(access("sim:access 1 0x401008 1 x").hits(x)).isFalse();
        assertThat(access("sim:access 1 0x401000 1 r").hits(x)).isFalse();
    }

    @Test
    void misalignedMeansAMultiByteAccessNotAlignedToItsSize() {
        assertThat(access("sim:access 0 0x601f22 8 w").misaligned()).isTrue();
        assertThat(access("sim:access 0 0x601f20 8 w").misaligned()).isFalse();
        assertThat(access("sim:access 0 0x601f23 1 w").misaligned()).isFalse();
    }

    @Test
    void optionsAndMalformedAccesses() {
        Access a = access("sim:access --kernel --value 7 2 0xffffffff82000000 8 w");
        assertThat(a.kernel()).isTrue();
        assertThat(a.cpu()).isEqualTo(2);
        assertThat(a.addr()).isEqualTo(0xffffffff82000000L);
        assertThat(access("sim:access 0 0x601000 4 q")).isNull();
        assertThat(access("sim:access 0 banana 4 w")).isNull();
        assertThat(access("sim:access 0 0x601000")).isNull();
    }

    @Test
    void ptracesDr7DescribesEachVirtualRegister() {
        // DR7 0x009b0005: DR0 R/W 11 LEN 10 (8 bytes), DR1 R/W 01 LEN 10, DR2 execute
        assertThat(Range.ofDr7(0x009b0005L, 0, 0x601000)).isEqualTo(new Range(0x601000, 8, "rw"));
        assertThat(Range.ofDr7(0x009b0005L, 1, 0x601008)).isEqualTo(new Range(0x601008, 8, "w"));
        assertThat(Range.ofDr7(0x009b0005L, 2, 0x401000)).isEqualTo(new Range(0x401000, 1, "x"));
        assertThat(Range.ofDr7(0x000d0101L, 0, 0x601040)).isEqualTo(new Range(0x601040, 4, "w"));
        assertThat(Range.ofDr7(0x00050000L, 0, 0x601040)).isEqualTo(new Range(0x601040, 2, "w"));
        assertThat(Range.parse("0x601ea8/1/w")).isEqualTo(new Range(0x601ea8, 1, "w"));
    }
}
