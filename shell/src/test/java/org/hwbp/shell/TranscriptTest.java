package org.hwbp.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The transcript format of product §4 and the exit status, with a scripted executor. */
class TranscriptTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Transcript transcript = new Transcript(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    private ScenarioRunner runner(Outcome... outcomes) {
        Deque<Outcome> queue = new ArrayDeque<>(List.of(outcomes));
        return new ScenarioRunner(command -> queue.removeFirst(), transcript);
    }

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsPromptOutputErrorsFailuresAndTheCounts() {
        runner(Outcome.ok("task 1"), Outcome.ok(""), Outcome.failed("", "EINVAL: no CPU 9 (0..3)", "EINVAL"),
                Outcome.failed("partial", "ENOSPC: full", "ENOSPC"))
                .runScript(List.of("sim:task => /task 1/", "# comment", "hwbp:modify 1 --enable",
                        "hwbp:register --cpu 9 0x10 4 w => ok", "", "hwbp:wide 0x10 4 w => ENOSPC"));
        transcript.summary();
        assertThat(text()).isEqualTo(String.join("\n",
                "hwbp> sim:task => /task 1/",
                "task 1",
                "hwbp> hwbp:modify 1 --enable",
                "hwbp> hwbp:register --cpu 9 0x10 4 w => ok",
                "error: EINVAL: no CPU 9 (0..3)",
                "FAILED: expected ok, got EINVAL",
                "hwbp> hwbp:wide 0x10 4 w => ENOSPC",
                "partial",
                "error: ENOSPC: full",
                "2 passed, 1 failed",
                ""));
        assertThat(transcript.passed()).isEqualTo(2);
        assertThat(transcript.failed()).isEqualTo(1);
        assertThat(transcript.status(false)).isEqualTo(1);
    }

    @Test
    void aFailedCommandWithoutExpectationFailsOnlyTheCommandMode() {
        runner(Outcome.ok("task 1"), Outcome.failed("", "ESRCH: no such task 7", "ESRCH"))
                .runCommands("sim:task; sim:exit 7");
        transcript.summary();
        assertThat(text()).isEqualTo(String.join("\n",
                "hwbp> sim:task", "task 1", "hwbp> sim:exit 7", "error: ESRCH: no such task 7", "0 passed, 0 failed", ""));
        assertThat(transcript.status(false)).isZero();
        assertThat(transcript.status(true)).isEqualTo(1);
    }

    @Test
    void aProblemOfTheRunCountsAsAFailure() {
        transcript.problem("cannot read /nope.hwbp: no such file");
        transcript.summary();
        assertThat(text()).isEqualTo("error: cannot read /nope.hwbp: no such file\n0 passed, 1 failed\n");
        assertThat(transcript.status(false)).isEqualTo(1);
    }
}
