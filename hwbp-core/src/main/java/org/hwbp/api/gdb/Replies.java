package org.hwbp.api.gdb;

import java.nio.charset.StandardCharsets;

import org.hwbp.api.Errno;

/**
 * The replies every packet handler of the remote protocol shares: the empty one (gdb reads it as "not
 * supported"), {@code OK}, an errno, and text as the bytes of a packet.
 */
final class Replies {
    static final byte[] EMPTY = new byte[0];
    static final byte[] OK = ascii("OK");

    private Replies() {
    }

    /** {@code E} and the errno in two hex digits, as Linux's gdbstub answers ({@code error_packet}). */
    static byte[] error(Errno errno) {
        return ascii(String.format("E%02x", errno.number()));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
