package org.hwbp.oracle;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code ./sandbox run FILE} transcript cut into the output of each step: every step starts with a line
 * {@code hwbp> COMMAND}; {@code FAILED:} lines (a scenario's own expectations) and the closing
 * {@code N passed, N failed} line are not output of a command.
 */
public final class SandboxTranscript {

    private SandboxTranscript() {
    }

    public static List<List<String>> parse(String transcript) {
        List<List<String>> steps = new ArrayList<>();
        List<String> current = null;
        for (String l : transcript.split("\r?\n")) {
            if (l.startsWith("hwbp> ")) {
                current = new ArrayList<>();
                steps.add(current);
            } else if (current != null && !l.startsWith("FAILED:") && !l.matches("\\d+ passed, \\d+ failed")) {
                current.add(l);
            }
        }
        return steps;
    }
}
