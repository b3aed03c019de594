package org.hwbp.shell;

import java.util.Optional;

/**
 * One line of a scenario: the text as written, the command to run, and the expectation after the last
 * {@code " => "}, if any.
 *
 * @param text the line as written (trailing blanks dropped)
 * @param command what the shell runs
 * @param expectation what the line expects, or null
 */
record ScenarioLine(String text, String command, Expectation expectation) {
    static final String ARROW = " => ";

    /** The line, or empty for a blank line or a comment (first non-blank character {@code #}). */
    static Optional<ScenarioLine> parse(String raw) {
        String text = raw.stripTrailing();
        String t = text.strip();
        if (t.isEmpty() || t.startsWith("#")) {
            return Optional.empty();
        }
        if (t.endsWith(ARROW.stripTrailing())) {
            // "cmd =>" with nothing after the arrow: an expectation was meant, and it is malformed.
            t = t + " ";
        }
        int arrow = t.lastIndexOf(ARROW);
        if (arrow < 0) {
            return Optional.of(new ScenarioLine(text, t, null));
        }
        return Optional.of(new ScenarioLine(text, t.substring(0, arrow).strip(),
                Expectation.parse(t.substring(arrow + ARROW.length()))));
    }
}
