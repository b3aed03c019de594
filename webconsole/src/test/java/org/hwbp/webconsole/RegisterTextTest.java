package org.hwbp.webconsole;

import static org.assertj.core.api.Assertions.assertThat;

import org.hwbp.api.inspect.BreakpointSpecDTO;
import org.junit.jupiter.api.Test;

class RegisterTextTest {

    @Test
    void hex() {
        assertThat(RegisterText.hex(0xd0202)).isEqualTo("0xd0202");
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
