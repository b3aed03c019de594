package org.hwbp.shell;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * Runs commands in one Gogo session and turns each into an {@link Outcome}: what the command printed on the
 * session's streams, then its returned value (a String verbatim, other values as Gogo's shell formats them,
 * null as nothing); a thrown exception becomes the transcript's one {@code error: ERRNO: message} line, Gogo's
 * own failures included (an unknown command is ENOENT, arguments Gogo cannot coerce EINVAL with the usage).
 *
 * <p>The session resolves a bare name only in the shell's own scope and Felix's and Gogo's ({@link #SCOPE}), never
 * in the product's: {@code exit}, {@code break}, {@code wait} or {@code switch} mean what a user means by them, not
 * {@code sim:exit}, {@code kgdb:break}, {@code ptrace:wait} or {@code sim:switch}. Arguments are not globbed: a
 * gdb packet {@code ?} or a {@code [1]} reaches the command as typed.
 */
final class GogoExecutor implements ScenarioRunner.Executor, AutoCloseable {
    /** Where bare command names are looked up, in order (Gogo's session variable SCOPE). */
    static final String SCOPE = "shell:felix:gogo:scr";

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    private final CommandSession session;
    private final CommandHelp help;
    /** A Gogo file command's failure: {@code head: java.nio.file.NoSuchFileException: /path}. */
    private static final Pattern POSIX_ERROR =
            Pattern.compile("([a-z]+): (?:[a-z][\\w]*\\.)+(\\w+(?:Exception|Error))(?:: (.*))?");

    GogoExecutor(CommandProcessor processor) {
        this.session = processor.createSession(new ByteArrayInputStream(new byte[0]), stream, stream);
        session.put("SCOPE", SCOPE);
        this.help = new CommandHelp(session);
    }

    @Override
    public Outcome execute(String command) {
        buffer.reset();
        String repeated = repeatedOption(command);
        if (repeated != null) {
            return Outcome.failed("", "EINVAL: " + commandName(command) + ": option " + repeated
                    + " given more than once", Errno.EINVAL.name());
        }
        Object result;
        try {
            result = session.execute(withoutGlobs(command));
        } catch (Exception e) {
            return failure(command, printed(), e, help);
        }
        String printed = printed();
        Outcome posix = posixFailure(printed);
        if (posix != null) {
            return posix;
        }
        String value = result == null ? "" : result instanceof CharSequence ? result.toString()
                : String.valueOf(session.format(result, Converter.INSPECT));
        return Outcome.ok(join(printed, chomp(value)));
    }

    /**
     * Gogo's file commands ({@code cat}, {@code head}, {@code grep}...) do not throw: they print {@code NAME: } and the
     * Java exception, and return. That line becomes the transcript's error line, with the errno of the exception
     * (a missing file is ENOENT, anything else EIO) and without the Java names; null when no line is such.
     */
    static Outcome posixFailure(String printed) {
        List<String> lines = new ArrayList<>(List.of(printed.split("\n", -1)));
        for (int i = lines.size() - 1; i >= 0; i--) {
            Matcher m = POSIX_ERROR.matcher(lines.get(i));
            if (m.matches()) {
                String exception = m.group(2);
                Errno errno = exception.equals("NoSuchFileException") || exception.equals("FileNotFoundException")
                        ? Errno.ENOENT : Errno.EIO;
                String detail = m.group(3) == null ? exception : m.group(3).replace(" (No such file or directory)", "");
                lines.remove(i);
                return Outcome.failed(String.join("\n", lines).strip(), errno.name() + ": " + m.group(1) + ": "
                        + (errno == Errno.ENOENT ? "no such file " : "") + detail, errno.name());
            }
        }
        return null;
    }

    /** What Tab completes: the registered commands (scoped) and the console's own words. */
    List<String> commandNames() {
        List<String> names = new ArrayList<>(help.names());
        names.addAll(List.of("help", "exit", "quit"));
        return names;
    }

    /** The words of a command line, with their offsets: split at blanks outside quotes. */
    private static List<int[]> words(String command) {
        List<int[]> words = new ArrayList<>();
        char quote = 0;
        int start = -1;
        for (int i = 0; i <= command.length(); i++) {
            char ch = i < command.length() ? command.charAt(i) : ' ';
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                }
                continue;
            }
            if (Character.isWhitespace(ch)) {
                if (start >= 0) {
                    words.add(new int[] {start, i});
                    start = -1;
                }
                continue;
            }
            if (start < 0) {
                start = i;
            }
            if (ch == '\'' || ch == '"') {
                quote = ch;
            }
        }
        return words;
    }

    /** The first {@code --option} the command line gives twice, or null. */
    static String repeatedOption(String command) {
        Set<String> seen = new HashSet<>();
        for (int[] w : words(command)) {
            String word = command.substring(w[0], w[1]);
            if (word.startsWith("--") && word.length() > 2 && !seen.add(word)) {
                return word;
            }
        }
        return null;
    }

    /**
     * The command line with every plain word that holds a glob character ({@code ? * [ ]}) single-quoted: Gogo
     * would expand it against the files of the current folder ("no matches found") or read {@code [..]} as a
     * list. Words with quotes, variables or Gogo's brackets are left to Gogo.
     */
    static String withoutGlobs(String command) {
        StringBuilder sb = new StringBuilder();
        int last = 0;
        for (int[] w : words(command)) {
            String word = command.substring(w[0], w[1]);
            boolean glob = word.chars().anyMatch(c -> c == '?' || c == '*' || c == '[' || c == ']');
            boolean gogo = word.chars().anyMatch(c -> c == '\'' || c == '"' || c == '$' || c == '{' || c == '}'
                    || c == '(' || c == ')' || c == '\\' || c == ';' || c == '|');
            sb.append(command, last, w[0]);
            sb.append(glob && !gogo ? "'" + word + "'" : word);
            last = w[1];
        }
        return sb.append(command.substring(last)).toString();
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

    /** Maps what a command threw to the transcript's error line (one line). */
    static Outcome failure(String command, String printed, Throwable thrown, CommandHelp help) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof HwbpException) {
                return Outcome.failed(printed, firstLine(t.getMessage()), ((HwbpException) t).errno().name());
            }
        }
        String message = firstLine(thrown.getMessage() == null ? "" : thrown.getMessage());
        String name = commandName(command);
        Errno prefixed = errnoPrefix(message);
        if (prefixed != null) {
            // A client's own exception type whose message follows the "ERRNO: message" convention.
            return Outcome.failed(printed, message, prefixed.name());
        }
        if (message.startsWith("Cannot coerce")) {
            // Gogo found no method taking these arguments: an option without its value (Gogo then matches
            // nothing), or a wrong count or type of arguments.
            String usage = help == null ? null : help.usage(name);
            return Outcome.failed(printed, "EINVAL: " + (usage != null ? usage
                    : name + ": wrong arguments (see 'help " + name + "')"), Errno.EINVAL.name());
        }
        if (thrown.getClass().getSimpleName().equals("CommandNotFoundException")) {
            String missing = message.startsWith("Command not found: ")
                    ? message.substring("Command not found: ".length()) : name;
            List<String> scoped = help == null ? List.of() : help.resolve(missing);
            scoped.removeIf(n -> !CommandHelp.isProduct(n));
            String hint = scoped.isEmpty() || missing.indexOf(':') >= 0 ? "try 'help'"
                    : "did you mean " + String.join(" or ", scoped) + "? try 'help'";
            return Outcome.failed(printed, "ENOENT: no command '" + missing + "' (" + hint + ")", Errno.ENOENT.name());
        }
        String type = thrown.getClass().getSimpleName();
        if (type.equals("BreakException") || type.equals("ContinueException")) {
            // Gogo's loop keywords, typed outside a loop.
            String word = type.startsWith("Break") ? "break" : "continue";
            return Outcome.failed(printed, "EINVAL: '" + word + "' leaves a Gogo loop, and there is none (did you mean kgdb:"
                    + word + "?)", Errno.EINVAL.name());
        }
        if (thrown.getClass().getName().startsWith("org.apache.felix.gogo.")) {
            // Gogo's parser: an unbalanced quote or bracket.
            return Outcome.failed(printed, "EINVAL: " + name + ": " + message, Errno.EINVAL.name());
        }
        if (thrown instanceof IllegalStateException || thrown instanceof IllegalArgumentException) {
            return Outcome.failed(printed, message.isEmpty() ? thrown.getClass().getSimpleName() : message, null);
        }
        return Outcome.failed(printed, thrown.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message), null);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
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
