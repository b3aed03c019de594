package org.hwbp.api.gdb;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Hex and binary-escape encodings of the remote protocol (gdb's "Overview" of the packet format). */
final class Hex {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();
    /** Characters that must be escaped in binary data: '#', '$', '}' and '*' (RLE's marker). */
    private static final byte ESCAPE = '}';

    private Hex() {
    }

    static String encode(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            s.append(DIGITS[(b >> 4) & 0xf]).append(DIGITS[b & 0xf]);
        }
        return s.toString();
    }

    static String encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes of an even-length hex string; {@link IllegalArgumentException} for anything else. */
    static byte[] decode(CharSequence hex) {
        if (hex.length() % 2 != 0) {
            throw new IllegalArgumentException("odd hex length");
        }
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (digit(hex.charAt(2 * i)) << 4 | digit(hex.charAt(2 * i + 1)));
        }
        return out;
    }

    static int digit(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        throw new IllegalArgumentException("not a hex digit: " + (char) c);
    }

    /** An unsigned hex number as gdb writes addresses and lengths (at most 16 digits). */
    static long parseUnsigned(String hex) {
        if (hex.isEmpty() || hex.length() > 16) {
            throw new IllegalArgumentException("bad hex number: '" + hex + "'");
        }
        long v = 0;
        for (int i = 0; i < hex.length(); i++) {
            v = v << 4 | digit(hex.charAt(i));
        }
        return v;
    }

    /** A hex length or offset that must fit an int. */
    static int parseSize(String hex) {
        long v = parseUnsigned(hex);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size too large: " + hex);
        }
        return (int) v;
    }

    static String number(long v) {
        return Long.toHexString(v);
    }

    static boolean needsEscape(int b) {
        return b == '#' || b == '$' || b == ESCAPE || b == '*';
    }

    /** Binary data escaped for a packet: each of {@code #$}*} becomes '}' then the byte XOR 0x20. */
    static byte[] escape(byte[] data) {
        int extra = 0;
        for (byte b : data) {
            if (needsEscape(b & 0xff)) {
                extra++;
            }
        }
        byte[] out = new byte[data.length + extra];
        int j = 0;
        for (byte b : data) {
            if (needsEscape(b & 0xff)) {
                out[j++] = ESCAPE;
                out[j++] = (byte) (b ^ 0x20);
            } else {
                out[j++] = b;
            }
        }
        return out;
    }

    /** The inverse of {@link #escape}, over {@code data[from..to)}; a trailing lone '}' is an error. */
    static byte[] unescape(byte[] data, int from, int to) {
        byte[] out = new byte[to - from];
        int j = 0;
        for (int i = from; i < to; i++) {
            if (data[i] == ESCAPE) {
                if (++i == to) {
                    throw new IllegalArgumentException("escape at end of binary data");
                }
                out[j++] = (byte) (data[i] ^ 0x20);
            } else {
                out[j++] = data[i];
            }
        }
        return Arrays.copyOf(out, j);
    }
}
