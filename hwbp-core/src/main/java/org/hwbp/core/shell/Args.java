package org.hwbp.core.shell;

import java.util.Locale;
import org.hwbp.api.AccessKind;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.Machine;

/**
 * The shell's argument parsing. Commands take their positional arguments as strings and parse them here, so
 * that a missing or malformed argument is an EINVAL naming it (Gogo's own coercion would only say "Cannot
 * coerce"). Numbers are decimal or 0x hex; addresses may use all 64 bits.
 */
final class Args {
    private final String command;
    private final String[] values;
    private final String[] names;

    /**
     * The positional arguments {@code values} of {@code command}, which takes {@code names} (an optional one is
     * written {@code [NAME]} and must come last).
     */
    Args(String command, String[] values, String... names) {
        this.command = command;
        this.values = values == null ? new String[0] : values;
        this.names = names;
        int required = 0;
        for (String n : names) {
            if (!n.startsWith("[")) {
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
        if (this.values.length > names.length) {
            throw new HwbpException(Errno.EINVAL, command + ": unexpected argument '" + this.values[names.length]
                    + "' (usage: " + usage() + ")");
        }
    }

    private String usage() {
        return command + (names.length == 0 ? "" : " " + String.join(" ", names));
    }

    boolean has(int i) {
        return i < values.length && values[i] != null;
    }

    String string(int i) {
        if (!has(i)) {
            throw new HwbpException(Errno.EINVAL, command + ": missing " + names[i]);
        }
        return values[i];
    }

    long number(int i) {
        return number(bare(names[i]), string(i));
    }

    int integer(int i) {
        return integer(bare(names[i]), string(i));
    }

    private static String bare(String name) {
        return name.replace("[", "").replace("]", "");
    }

    /** A 64-bit value, decimal or 0x hex, as an unsigned quantity (kernel addresses use the top bit). */
    static long number(String name, String s) {
        if (s == null || s.isBlank()) {
            throw new HwbpException(Errno.EINVAL, "missing " + name);
        }
        String t = s.trim();
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            if (t.startsWith("-")) {
                return Long.parseLong(t);
            }
            return Long.parseUnsignedLong(t);
        } catch (NumberFormatException e) {
            throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "'");
        }
    }

    /** An int (CPU, length, id), decimal or 0x hex; -1 is accepted where the model gives it a meaning. */
    static int integer(String name, String s) {
        long v = number(name, s);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "'");
        }
        return (int) v;
    }

    /** An optional int option: {@code absent} when the option was not given (Gogo passes the empty string). */
    static int option(String name, String s, int absent) {
        return s == null || s.isEmpty() ? absent : integer(name, s);
    }

    /** x, w, rw, or r (which the x86 arch layer refuses later, as perf_event_open would). */
    static int type(String name, String s) {
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
    static AccessKind access(String name, String s) {
        switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
            case "r": return AccessKind.R;
            case "w": return AccessKind.W;
            case "x": return AccessKind.X;
            default: throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "' (r, w or x)");
        }
    }

    /** A task id, or {@code idle}. */
    static int taskOrIdle(String name, String s) {
        if (s != null && s.trim().equalsIgnoreCase("idle")) {
            return Machine.IDLE;
        }
        return integer(name, s);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
