package org.hwbp.shell;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * Runs commands in one Gogo session and turns each into an {@link Outcome}: what the command printed on the
 * session's streams, then its returned value (a String verbatim, other values as Gogo's shell formats them,
 * null as nothing); a thrown exception becomes the transcript's {@code error:} with the Linux errno.
 */
final class GogoExecutor implements ScenarioRunner.Executor, AutoCloseable {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    private final CommandSession session;

    GogoExecutor(CommandProcessor processor) {
        this.session = processor.createSession(new ByteArrayInputStream(new byte[0]), stream, stream);
    }

    @Override
    public Outcome execute(String command) {
        buffer.reset();
        Object result;
        try {
            result = session.execute(command);
        } catch (Exception e) {
            return failure(command, printed(), e);
        }
        String printed = printed();
        String value = result == null ? "" : result instanceof CharSequence ? result.toString()
                : String.valueOf(session.format(result, Converter.INSPECT));
        return Outcome.ok(join(printed, chomp(value)));
    }

    private String printed() {
        stream.flush();
        return chomp(buffer.toString(StandardCharsets.UTF_8));
    }

    private static String chomp(String s) {
        String t = s;
        while (t.endsWith("\n") || t.endsWith("\r")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "\n" + b;
    }

    /** Maps what a command threw to the transcript's error line. */
    static Outcome failure(String command, String printed, Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof HwbpException) {
                return Outcome.failed(printed, t.getMessage(), ((HwbpException) t).errno().name());
            }
        }
        String message = thrown.getMessage() == null ? "" : thrown.getMessage();
        String name = commandName(command);
        Errno prefixed = errnoPrefix(message);
        if (prefixed != null) {
            // A client's own exception type whose message follows the "ERRNO: message" convention.
            return Outcome.failed(printed, message, prefixed.name());
        }
        if (message.startsWith("Cannot coerce")) {
            // Gogo found no method taking these arguments: an option without its value (Gogo then matches
            // nothing), or a wrong count or type of arguments.
            String last = lastWord(command);
            String what = last.startsWith("--") ? "missing value for " + last + ", or unknown option" : "wrong arguments";
            return Outcome.failed(printed, "EINVAL: " + name + ": " + what + " (see 'help " + name + "')",
                    Errno.EINVAL.name());
        }
        if (message.startsWith("Command not found")) {
            return Outcome.failed(printed, "command not found: " + name, null);
        }
        if (thrown instanceof IllegalStateException || thrown instanceof IllegalArgumentException) {
            return Outcome.failed(printed, message.isEmpty() ? thrown.getClass().getSimpleName() : message, null);
        }
        return Outcome.failed(printed, thrown.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message), null);
    }

    private static Errno errnoPrefix(String message) {
        int colon = message.indexOf(": ");
        if (colon < 0) {
            return null;
        }
        String head = message.substring(0, colon);
        for (Errno e : Errno.values()) {
            if (e.name().equals(head)) {
                return e;
            }
        }
        return null;
    }

    private static String lastWord(String command) {
        String t = command.strip();
        return t.substring(t.lastIndexOf(' ') + 1);
    }

    private static String commandName(String command) {
        String t = command.strip();
        int end = 0;
        while (end < t.length() && !Character.isWhitespace(t.charAt(end))) {
            end++;
        }
        return t.substring(0, end);
    }

    @Override
    public void close() {
        session.close();
    }
}
