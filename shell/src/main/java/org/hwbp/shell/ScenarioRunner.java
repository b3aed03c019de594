package org.hwbp.shell;

import java.util.List;

/** Runs scenario lines one after the other through one shell session; a failing line does not stop the run. */
final class ScenarioRunner {

    /** Runs one command in the session shared by all lines. */
    interface Executor {
        Outcome execute(String command);
    }

    private final Executor executor;
    private final Transcript transcript;

    ScenarioRunner(Executor executor, Transcript transcript) {
        this.executor = executor;
        this.transcript = transcript;
    }

    /** Runs the lines of a scenario file (blank lines and comments skipped). */
    void runScript(List<String> rawLines) {
        for (String raw : rawLines) {
            ScenarioLine.parse(raw).ifPresent(this::run);
        }
    }

    /** Runs {@code ./sandbox -c} commands: {@code ;}-separated, each may carry an expectation too. */
    void runCommands(String commands) {
        runScript(CommandSplitter.split(commands));
    }

    private void run(ScenarioLine line) {
        transcript.record(line, executor.execute(line.command()));
    }
}
