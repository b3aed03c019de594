package org.hwbp.ptrace.shell;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/** The shell's number syntax: decimal or {@code 0x} hex, optionally negative; anything else is EINVAL. */
final class Numbers {

    private Numbers() {
    }

    /** A 64-bit value (an unsigned long in the kernel: 0xffffffffffffffff and -1 are the same word). */
    static long parseLong(String what, String s) {
        if (s == null || s.isBlank()) {
            throw new HwbpException(Errno.EINVAL, "missing " + what);
        }
        String t = s.trim();
        boolean negative = t.startsWith("-");
        if (negative) {
            t = t.substring(1);
        }
        try {
            long v;
            if (t.startsWith("0x") || t.startsWith("0X")) {
                v = Long.parseUnsignedLong(t.substring(2), 16);
            } else {
                v = Long.parseUnsignedLong(t, 10);
            }
            return negative ? -v : v;
        } catch (NumberFormatException e) {
            throw new HwbpException(Errno.EINVAL, what + " is not a number: " + s);
        }
    }

    /** A task id. */
    static int parseTask(String s) {
        long v = parseLong("TASK", s);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new HwbpException(Errno.EINVAL, "TASK out of range: " + s);
        }
        return (int) v;
    }
}
