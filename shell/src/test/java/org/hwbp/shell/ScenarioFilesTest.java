package org.hwbp.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The core's scenario files run through a real Gogo session without a framework. The demo and the scenarios that
 * need the clients run in the real runtime jar: runtime's ScenarioFilesIT.
 */
class ScenarioFilesTest {
    private static final Path SCENARIOS = Path.of("..", "runtime", "scenarios");

    private static GogoFixture.Result run(List<String> lines) {
        try (GogoFixture f = new GogoFixture(4)) {
            return f.script(lines, false);
        }
    }

    @Test
    void kunitScenarioPassesEveryExpectation() throws Exception {
        List<String> lines = Files.readAllLines(SCENARIOS.resolve("kunit.hwbp"), StandardCharsets.UTF_8);
        GogoFixture.Result r = run(lines);
        assertThat(r.transcript()).doesNotContain("FAILED:").endsWith("141 passed, 0 failed\n");
        assertThat(r.status()).isZero();
    }

    @Test
    void aWrongExpectationFailsTheRun() {
        GogoFixture.Result r = run(List.of(
                "sim:task",
                "hwbp:register --task 1 0x601000 4 w => ENOSPC",
                "hwbp:used => /true/"));
        assertThat(r.transcript()).isEqualTo(String.join("\n",
                "hwbp> sim:task",
                "task 1",
                "hwbp> hwbp:register --task 1 0x601000 4 w => ENOSPC",
                "bp 1",
                "FAILED: expected ENOSPC, got ok",
                "hwbp> hwbp:used => /true/",
                "true",
                "1 passed, 1 failed",
                ""));
        assertThat(r.status()).isEqualTo(1);
    }

    @Test
    void transcriptOfTheProductExample() {
        GogoFixture.Result r = run(List.of(
                "# a comment",
                "",
                "sim:task",
                "hwbp:register --task 1 0x601000 4 w => /bp 1/",
                "hwbp:register --cpu 9 0x601000 4 w => EINVAL"));
        assertThat(r.transcript()).isEqualTo(String.join("\n",
                "hwbp> sim:task",
                "task 1",
                "hwbp> hwbp:register --task 1 0x601000 4 w => /bp 1/",
                "bp 1",
                "hwbp> hwbp:register --cpu 9 0x601000 4 w => EINVAL",
                "error: EINVAL: no CPU 9 (0..3)",
                "2 passed, 0 failed",
                ""));
        assertThat(r.status()).isZero();
    }
}
