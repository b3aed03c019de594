package org.hwbp.shell;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.completer.StringsCompleter;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The console's input on a terminal, through JLine (the library Gogo's own console uses): the prompt
 * {@code hwbp> }, line editing, history in {@code ~/.hwbp_history} (Up recalls) and Tab completion of the
 * registered command names. Ctrl-C abandons the line; Ctrl-D on an empty line ends the input. Loaded only
 * when stdin is a terminal, so that the shell bundle runs without JLine too.
 */
final class TerminalLines implements ConsoleComponent.LineSource {
    private final Terminal terminal;
    private final LineReader reader;
    private final PrintStream out;

    private TerminalLines(Terminal terminal, LineReader reader) {
        this.terminal = terminal;
        this.reader = reader;
        this.out = new PrintStream(terminal.output(), true, StandardCharsets.UTF_8);
    }

    static TerminalLines open(GogoExecutor executor) throws IOException {
        Terminal terminal = TerminalBuilder.builder().name("hwbp").system(true).build();
        LineReader reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("hwbp")
                .completer(new StringsCompleter(executor::commandNames))
                .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".hwbp_history"))
                .build();
        return new TerminalLines(terminal, reader);
    }

    @Override
    public String readLine() {
        while (true) {
            try {
                return reader.readLine(Transcript.PROMPT);
            } catch (UserInterruptException ctrlC) {
                continue;
            } catch (EndOfFileException ctrlD) {
                out.println();
                return null;
            }
        }
    }

    @Override
    public PrintStream out() {
        return out;
    }

    @Override
    public boolean echoes() {
        return true;
    }

    @Override
    public void close() {
        try {
            reader.getHistory().save();
            terminal.close();
        } catch (IOException e) {
            // The history is a convenience; the session is over either way.
        }
    }
}
