package org.hwbp.kvm.model;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/** The product's number syntax: decimal or 0x hex, 64-bit unsigned; malformed input is an EINVAL naming it. */
public final class Numbers {
    private Numbers() {
    }

    public static long parse(String name, String s) {
        if (s == null || s.isBlank()) {
            throw new HwbpException(Errno.EINVAL, "missing " + name);
        }
        String t = s.trim();
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            return Long.parseUnsignedLong(t);
        } catch (NumberFormatException e) {
            throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "'");
        }
    }

    /** A non-negative int. */
    public static int parseInt(String name, String s) {
        long v = parse(name, s);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "'");
        }
        return (int) v;
    }

    public static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
