package org.hwbp.oracle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The steps of a {@code .hwbp} file, by the rules both runners follow: a blank line or one whose first non-blank
 * character is {@code #} is no step; everything from {@code =>} (or {@code ||}) on is the expectation.
 */
public final class ScenarioFile {

    private ScenarioFile() {
    }

    public static List<Step> read(Path file) throws IOException {
        return parse(file.getFileName().toString(), Files.readAllLines(file));
    }

    public static List<Step> parse(String name, List<String> lines) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String s = lines.get(i).strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            int cut = s.indexOf("=>");
            if (cut < 0) {
                cut = s.indexOf("||");
            }
            if (cut >= 0) {
                s = s.substring(0, cut).strip();
            }
            if (!s.isEmpty()) {
                steps.add(new Step(name, i + 1, s.replaceAll("\\s+", " ")));
            }
        }
        return steps;
    }
}
