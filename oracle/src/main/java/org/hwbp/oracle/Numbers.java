package org.hwbp.oracle;

/** Numbers as the shell reads them: decimal or {@code 0x} hex, up to 64 unsigned bits. */
final class Numbers {

    private Numbers() {
    }

    static long parse(String s) {
        s = s.trim();
        if (s.startsWith("0x") || s.startsWith("0X")) {
            return Long.parseUnsignedLong(s.substring(2), 16);
        }
        return Long.parseUnsignedLong(s);
    }
}
