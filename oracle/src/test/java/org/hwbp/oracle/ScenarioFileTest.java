package org.hwbp.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioFileTest {

    @Test
    void stepsAreTheCommandLinesWithoutTheirExpectationsNumberedByFileLine() {
        List<Step> steps = ScenarioFile.parse("f.hwbp", List.of(
                "# a comment",
                "",
                "sim:task a => /^task 1$/",
                "   hwbp:register --task 1   0x601000 4 w || ENOSPC",
                "  # indented comment",
                "hwbp:used"));
        assertThat(steps).containsExactly(
                new Step("f.hwbp", 3, "sim:task a"),
                new Step("f.hwbp", 4, "hwbp:register --task 1 0x601000 4 w"),
                new Step("f.hwbp", 6, "hwbp:used"));
        assertThat(steps.get(1).verb()).isEqualTo("hwbp:register");
        assertThat(steps.get(1).args()).containsExactly("--task", "1", "0x601000", "4", "w");
    }
}
