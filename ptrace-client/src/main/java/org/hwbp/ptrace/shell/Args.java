package org.hwbp.ptrace.shell;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.ptrace.model.UserArea;

/**
 * Positional arguments of a {@code ptrace:} command, parsed here rather than by Gogo's coercion so that a
 * missing or malformed argument is an EINVAL naming it (the same wording as the core's {@code hwbp:} commands).
 */
final class Args {
    private final String command;
    private final String[] values;
    private final String[] names;

    Args(String command, String[] values, String... names) {
        this.command = command;
        this.values = values == null ? new String[0] : values;
        this.names = names;
        for (String v : this.values) {
            if (v.startsWith("--") && v.length() > 2) {
                throw new HwbpException(Errno.EINVAL, command + ": unknown option '" + v + "'");
            }
        }
        if (this.values.length < names.length) {
            throw new HwbpException(Errno.EINVAL, command + ": missing " + names[this.values.length]
                    + " (usage: " + usage() + ")");
        }
        if (this.values.length > names.length) {
            throw new HwbpException(Errno.EINVAL, command + ": unexpected argument '" + this.values[names.length]
                    + "' (usage: " + usage() + ")");
        }
    }

    private String usage() {
        return command + " " + String.join(" ", names);
    }

    /** A task id. */
    int task(int i) {
        long v = number(i);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw bad(i);
        }
        return (int) v;
    }

    /** A user-area offset: {@code dr0}..{@code dr7} or a number. */
    long offset(int i) {
        long named = UserArea.offsetOfName(values[i].trim());
        return named >= 0 ? named : number(i);
    }

    /**
     * A 64-bit word, decimal or 0x hex; negative decimals are allowed (the kernel's unsigned long makes -1 and
     * 0xffffffffffffffff the same word).
     */
    long number(int i) {
        String t = values[i].trim();
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            if (t.startsWith("-")) {
                return Long.parseLong(t);
            }
            return Long.parseUnsignedLong(t);
        } catch (NumberFormatException e) {
            throw bad(i);
        }
    }

    private HwbpException bad(int i) {
        return new HwbpException(Errno.EINVAL, command + ": bad " + names[i] + " '" + values[i] + "'");
    }
}
