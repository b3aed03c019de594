package org.hwbp.shell;

import java.io.PrintStream;
import java.util.Optional;

/**
 * Prints the transcript (product §4) as lines run: {@code hwbp> } and the line as written, the command's
 * output, its {@code error:} line, a {@code FAILED:} line for an expectation that did not hold; and counts.
 */
final class Transcript {
    static final String PROMPT = "hwbp> ";

    private final PrintStream out;
    private int passed;
    private int failed;
    private int unexpectedErrors;

    Transcript(PrintStream out) {
        this.out = out;
    }

    void record(ScenarioLine line, Outcome outcome) {
        out.println(PROMPT + line.text());
        String printed = outcome.printed();
        if (!printed.isEmpty()) {
            out.println(printed);
        }
        Expectation e = line.expectation();
        if (e == null) {
            if (outcome.isFailure()) {
                unexpectedErrors++;
            }
        } else {
            Optional<String> failure = e.check(outcome);
            if (failure.isPresent()) {
                failed++;
                out.println(failure.get());
            } else {
                passed++;
            }
        }
        out.flush();
    }

    /** A problem of the run itself (an unreadable file): printed, and it fails the run. */
    void problem(String message) {
        out.println("error: " + message);
        failed++;
        out.flush();
    }

    /** The last line: {@code N passed, N failed}. */
    void summary() {
        out.println(passed + " passed, " + failed + " failed");
        out.flush();
    }

    int passed() {
        return passed;
    }

    int failed() {
        return failed;
    }

    /**
     * The exit status: 0 iff every expectation held; with {@code strict} (the {@code -c} mode) also no command
     * without an expectation may have failed.
     */
    int status(boolean strict) {
        return failed == 0 && (!strict || unexpectedErrors == 0) ? 0 : 1;
    }
}
