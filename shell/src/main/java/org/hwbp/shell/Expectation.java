package org.hwbp.shell;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The expectation a scenario line may end with: {@code => ok}, {@code => ERRNO} or {@code => /regex/} (found
 * anywhere in what the line printed, multi-line mode). Anything else after {@code =>} is malformed and fails.
 */
final class Expectation {
    private enum Kind { OK, ERRNO, REGEX, MALFORMED }

    private static final Pattern ERRNO_NAME = Pattern.compile("E[A-Z0-9]+");

    private final Kind kind;
    private final String text;
    private final Pattern regex;

    private Expectation(Kind kind, String text, Pattern regex) {
        this.kind = kind;
        this.text = text;
        this.regex = regex;
    }

    static Expectation parse(String s) {
        String t = s.trim();
        if (t.toLowerCase(Locale.ROOT).equals("ok")) {
            return new Expectation(Kind.OK, "ok", null);
        }
        if (ERRNO_NAME.matcher(t).matches()) {
            return new Expectation(Kind.ERRNO, t, null);
        }
        if (t.length() >= 2 && t.startsWith("/") && t.endsWith("/")) {
            try {
                return new Expectation(Kind.REGEX, t, Pattern.compile(t.substring(1, t.length() - 1), Pattern.MULTILINE));
            } catch (PatternSyntaxException e) {
                return new Expectation(Kind.MALFORMED, t, null);
            }
        }
        return new Expectation(Kind.MALFORMED, t, null);
    }

    /** Empty when {@code o} meets it; otherwise the {@code FAILED:} line to print. */
    Optional<String> check(Outcome o) {
        switch (kind) {
            case OK:
                return o.isFailure() ? failed("ok", got(o)) : Optional.empty();
            case ERRNO:
                return text.equals(o.errno()) ? Optional.empty() : failed(text, got(o));
            case REGEX:
                return regex.matcher(o.printed()).find() ? Optional.empty()
                        : failed("output matching " + text, o.printed().isEmpty() ? "no output" : "'" + oneLine(o.printed()) + "'");
            default:
                return Optional.of("FAILED: malformed expectation '" + text + "' (ok, ERRNO or /regex/)");
        }
    }

    private static String got(Outcome o) {
        if (!o.isFailure()) {
            return "ok";
        }
        return o.errno() != null ? o.errno() : "error: " + o.error();
    }

    private static String oneLine(String s) {
        return s.replace("\n", "\\n");
    }

    private static Optional<String> failed(String expected, String got) {
        return Optional.of("FAILED: expected " + expected + ", got " + got);
    }

    @Override
    public String toString() {
        return text;
    }
}
