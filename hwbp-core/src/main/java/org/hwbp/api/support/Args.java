package org.hwbp.api.support;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.hwbp.api.AccessKind;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.Machine;

/**
 * The shells' argument parsing. Commands take their positional arguments as strings and parse them here, so
 * that a missing or malformed argument is an EINVAL naming it (Gogo's own coercion would only say "Cannot
 * coerce"). Numbers are decimal or 0x hex; addresses may use all 64 bits.
 *
 * <p>The number parsers differ only where a client's transcripts already differ: {@link #number}/{@link #integer}
 * (the core's {@code hwbp:} and {@code sim:} commands) accept a sign, {@link #unsigned}/{@link #nonNegative}
 * (the kvm client) do not, and {@link #word}/{@link #task} (the ptrace client) prefix the command to the error.
 */
public final class Args {
    private final String command;
    private final String[] values;
    private final String[] names;

    /**
     * The positional arguments {@code values} of {@code command}, which takes {@code names}: an optional one is
     * written {@code [NAME]} and a trailing {@code NAME...} takes the rest (zero or more); both must come last.
     */
    public Args(String command, String[] values, String... names) {
        this.command = command;
        this.values = values == null ? new String[0] : values;
        this.names = names;
        int required = 0;
        for (String n : names) {
            if (!n.startsWith("[") && !n.endsWith("...")) {
                required++;
            }
        }
        for (String v : this.values) {
            if (v != null && v.startsWith("--") && v.length() > 2) {
                throw new HwbpException(Errno.EINVAL, command + ": unknown option '" + v + "'");
            }
        }
        if (this.values.length < required) {
            throw new HwbpException(Errno.EINVAL, command + ": missing " + names[this.values.length]
                    + " (usage: " + usage() + ")");
        }
        boolean rest = names.length > 0 && names[names.length - 1].endsWith("...");
        if (!rest && this.values.length > names.length) {
            throw new HwbpException(Errno.EINVAL, command + ": unexpected argument '" + this.values[names.length]
                    + "' (usage: " + usage() + ")");
        }
    }

    private String usage() {
        return command + (names.length == 0 ? "" : " " + String.join(" ", names));
    }

    public boolean has(int i) {
        return i < values.length && values[i] != null;
    }

    public String string(int i) {
        if (!has(i)) {
            throw new HwbpException(Errno.EINVAL, command + ": missing " + names[i]);
        }
        return values[i];
    }

    /** The values from position {@code i} on (for a trailing {@code NAME...}). */
    public List<String> rest(int i) {
        return i >= values.length ? List.of() : Arrays.asList(values).subList(i, values.length);
    }

    /** Argument {@code i} as {@link #number(String, String)}. */
    public long number(int i) {
        return number(bare(names[i]), string(i));
    }

    /** Argument {@code i} as {@link #integer(String, String)}. */
    public int integer(int i) {
        return integer(bare(names[i]), string(i));
    }

    /** Argument {@code i} (or of a trailing {@code NAME...}) as {@link #unsigned(String, String)}. */
    public long unsigned(int i) {
        return unsigned(bare(names[Math.min(i, names.length - 1)]), values[i]);
    }

    /** Argument {@code i} (or of a trailing {@code NAME...}) as {@link #nonNegative(String, String)}. */
    public int nonNegative(int i) {
        return nonNegative(bare(names[Math.min(i, names.length - 1)]), values[i]);
    }

    /**
     * Argument {@code i} as a 64-bit word, decimal or 0x hex; negative decimals are allowed (the kernel's
     * unsigned long makes -1 and 0xffffffffffffffff the same word). Malformed: EINVAL
     * {@code COMMAND: bad NAME 'value'}.
     */
    public long word(int i) {
        try {
            return parse(values[i].trim(), true);
        } catch (NumberFormatException e) {
            throw bad(i);
        }
    }

    /** Argument {@code i} as a task id: a {@link #word} from 0 to Integer.MAX_VALUE. */
    public int task(int i) {
        long v = word(i);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw bad(i);
        }
        return (int) v;
    }

    private HwbpException bad(int i) {
        return new HwbpException(Errno.EINVAL, command + ": bad " + names[i] + " '" + values[i] + "'");
    }

    private static String bare(String name) {
        return name.replace("[", "").replace("]", "").replace("...", "");
    }

    /** Decimal or 0x hex, 64-bit unsigned; a leading '-' is a signed decimal when {@code signed}. */
    private static long parse(String t, boolean signed) {
        if (t.startsWith("0x") || t.startsWith("0X")) {
            return Long.parseUnsignedLong(t.substring(2), 16);
        }
        if (signed && t.startsWith("-")) {
            return Long.parseLong(t);
        }
        return Long.parseUnsignedLong(t);
    }

    private static long parse(String name, String s, boolean signed) {
        if (s == null || s.isBlank()) {
            throw new HwbpException(Errno.EINVAL, "missing " + name);
        }
        try {
            return parse(s.trim(), signed);
        } catch (NumberFormatException e) {
            throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "'");
        }
    }

    /** A 64-bit value, decimal or 0x hex, as an unsigned quantity (kernel addresses use the top bit). */
    public static long number(String name, String s) {
        return parse(name, s, true);
    }

    /** An int (CPU, length, id), decimal or 0x hex; -1 is accepted where the model gives it a meaning. */
    public static int integer(String name, String s) {
        long v = number(name, s);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "'");
        }
        return (int) v;
    }

    /** A 64-bit value, decimal or 0x hex, without a sign. */
    public static long unsigned(String name, String s) {
        return parse(name, s, false);
    }

    /** A non-negative int, decimal or 0x hex, without a sign. */
    public static int nonNegative(String name, String s) {
        long v = unsigned(name, s);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "'");
        }
        return (int) v;
    }

    /** An optional int option: {@code absent} when the option was not given (Gogo passes the empty string). */
    public static int option(String name, String s, int absent) {
        return s == null || s.isEmpty() ? absent : integer(name, s);
    }

    /** x, w, rw, or r (which the x86 arch layer refuses later, as perf_event_open would). */
    public static int type(String name, String s) {
        if (s == null || s.isBlank()) {
            throw new HwbpException(Errno.EINVAL, "missing " + name);
        }
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "x": return BreakpointSpec.X;
            case "w": return BreakpointSpec.W;
            case "rw": return BreakpointSpec.RW;
            case "r": return BreakpointSpec.R;
            default: throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "' (x, w or rw)");
        }
    }

    /** r, w or x. */
    public static AccessKind access(String name, String s) {
        switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
            case "r": return AccessKind.R;
            case "w": return AccessKind.W;
            case "x": return AccessKind.X;
            default: throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "' (r, w or x)");
        }
    }

    /** A task id, or {@code idle}. */
    public static int taskOrIdle(String name, String s) {
        if (s != null && s.trim().equalsIgnoreCase("idle")) {
            return Machine.IDLE;
        }
        return integer(name, s);
    }

    /** {@code v} as the shells print addresses and registers: 0x and lowercase hex. */
    public static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
