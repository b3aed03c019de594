package org.hwbp.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SandboxTranscriptTest {

    @Test
    void eachStepGetsTheLinesAfterItsPromptButNotFailedLinesOrTheCount() {
        String t = String.join("\n",
                "hwbp> sim:task a => /^task 2$/",
                "task 1",
                "FAILED: expected /^task 2$/",
                "hwbp> sim:access 0 0x601000 4 w",
                "#DB dr6=0xffff0ff1",
                "slot 0: bp 1 (org.hwbp.shell) task 1 triggered",
                "hwbp> hwbp:unregister 9",
                "error: ENOENT: no breakpoint 9",
                "0 passed, 1 failed");
        assertThat(SandboxTranscript.parse(t)).containsExactly(
                List.of("task 1"),
                List.of("#DB dr6=0xffff0ff1", "slot 0: bp 1 (org.hwbp.shell) task 1 triggered"),
                List.of("error: ENOENT: no breakpoint 9"));
    }
}
