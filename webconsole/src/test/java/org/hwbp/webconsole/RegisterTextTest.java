package org.hwbp.webconsole;

import static org.assertj.core.api.Assertions.assertThat;

import org.hwbp.api.inspect.BreakpointSpecDTO;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.junit.jupiter.api.Test;

class RegisterTextTest {

    @Test
    void slotStateAsHwbpRegsPrintsIt() {
        long dr7 = Dr7.RESET | Dr7.GE | Dr7.globalEnable(0) | Dr7.encode(0, 0xC, Dr7.RW_WRITE)
                | Dr7.localEnable(2) | Dr7.globalEnable(2) | Dr7.encode(2, 0x8, Dr7.RW_READ);
        assertThat(RegisterText.slotState(dr7, 0)).isEqualTo("G w/4");
        assertThat(RegisterText.slotState(dr7, 1)).isEqualTo("off");
        assertThat(RegisterText.slotState(dr7, 2)).isEqualTo("GL rw/8");
        assertThat(RegisterText.hex(0xd0202)).isEqualTo("0xd0202");
    }

    @Test
    void dr6InPositivePolarity() {
        assertThat(RegisterText.dr6(Dr6.RESET)).isEqualTo("none");
        assertThat(RegisterText.dr6(0xffff0ff1L)).isEqualTo("B0");
        assertThat(RegisterText.dr6(Dr6.RESET | Dr6.BS | 0x2)).isEqualTo("B1 BS");
    }

    @Test
    void targets() {
        BreakpointSpecDTO s = new BreakpointSpecDTO();
        s.task = 1;
        s.cpu = -1;
        assertThat(RegisterText.target(s)).isEqualTo("task 1");
        s.cpu = 2;
        assertThat(RegisterText.target(s)).isEqualTo("task 1 cpu 2");
        s.task = 0;
        assertThat(RegisterText.target(s)).isEqualTo("cpu 2");
        assertThat(RegisterText.type(3)).isEqualTo("rw");
        assertThat(RegisterText.type(4)).isEqualTo("x");
    }
}
