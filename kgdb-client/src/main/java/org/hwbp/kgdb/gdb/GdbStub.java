package org.hwbp.kgdb.gdb;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.kgdb.model.DebugCore;
import org.hwbp.kgdb.model.KgdbBpType;

/**
 * The packets of kernel/debug/gdbstub.c's gdb_serial_stub() that concern breakpoints: {@code Z}/{@code z}
 * (gdb_cmd_break()), {@code ?} (gdb_cmd_status()), {@code D}/{@code k} (gdb_cmd_detachkill()) and
 * {@code c}. Every other packet gets the empty reply ("unsupported"). Software breakpoints ({@code Z0}) need
 * memory to patch with int3, which the sandbox does not have, so they are unsupported too.
 */
public final class GdbStub {
    private static final String HEX = "0123456789abcdef";

    private final DebugCore target;

    public GdbStub(DebugCore target) {
        this.target = target;
    }

    /** A packet as {@code kgdb:packet} gets it (bare or framed) in, the reply's data out. */
    public String handle(String packet) {
        String data = unframe(packet);
        return target.inStop(() -> process(data));
    }

    /**
     * The packet's data: a bare packet as is, or the data of a {@code $data#cs} frame after get_packet()'s
     * checksum test (EINVAL where the stub would answer {@code -} and wait for a retransmission).
     */
    public static String unframe(String packet) {
        if (packet.isEmpty() || packet.charAt(0) != '$') {
            return packet;
        }
        int hash = packet.indexOf('#');
        if (hash < 0) {
            throw new HwbpException(Errno.EINVAL, "PACKET " + packet + " has no #checksum after its data");
        }
        String data = packet.substring(1, hash);
        String cs = packet.substring(hash + 1);
        if (cs.length() != 2 || hexToBin(cs.charAt(0)) < 0 || hexToBin(cs.charAt(1)) < 0) {
            throw new HwbpException(Errno.EINVAL, "PACKET " + packet + " must end with # and two hex digits");
        }
        int sent = hexToBin(cs.charAt(0)) << 4 | hexToBin(cs.charAt(1));
        int sum = checksum(data);
        if (sent != sum) {
            throw new HwbpException(Errno.EINVAL, String.format(
                    "PACKET %s: checksum 0x%02x does not match its data's 0x%02x (the stub would NAK it)", packet,
                    sent, sum));
        }
        return data;
    }

    /** The modulo-256 sum of the packet data's characters. */
    public static int checksum(String data) {
        int sum = 0;
        for (int i = 0; i < data.length(); i++) {
            sum += data.charAt(i);
        }
        return sum & 0xFF;
    }

    /** One packet's data in, the reply's data out (empty: unsupported or no reply). */
    String process(String in) {
        if (in.isEmpty()) {
            return "";
        }
        switch (in.charAt(0)) {
            case '?':
                // gdb_cmd_status(): gdb sends it only when it connects, so breakpoints left over are cleared.
                target.removeAllBreak();
                return "S" + hexByte(target.signo());
            case 'D': {
                int error = target.removeAllBreak();
                String reply = error < 0 ? errorPacket(error) : "OK";
                target.resumeFromPacket();
                return reply;
            }
            case 'k':
                // The kill case: no reply, force the detach.
                target.removeAllBreak();
                target.resumeFromPacket();
                return "";
            case 'c':
                // The reply to a continue is the next stop, not a packet now.
                target.resumeFromPacket();
                return "";
            case 'z':
            case 'Z':
                return cmdBreak(in);
            default:
                return "";
        }
    }

    /** gdb_cmd_break(). */
    private String cmdBreak(String in) {
        char bptType = in.length() > 1 ? in.charAt(1) : '\0';
        // x86 has set_hw_breakpoint, so types 1..4 go to the arch and anything else but 0 is unsupported; 0
        // (software, dbg_set_sw_break()) is unsupported here as well. Unsupported means the empty reply,
        // before the rest of the packet is even looked at.
        if (bptType < '1' || bptType > '4') {
            return "";
        }
        Cursor ptr = new Cursor(in, 2);
        if (ptr.next() != ',') {
            return errorPacket(-Errno.EINVAL.number());
        }
        long addr = ptr.hex2long();
        if (ptr.digits == 0) {
            return errorPacket(-Errno.EINVAL.number());
        }
        if (ptr.next() != ',') {
            return errorPacket(-Errno.EINVAL.number());
        }
        long length = ptr.hex2long();
        if (ptr.digits == 0) {
            return errorPacket(-Errno.EINVAL.number());
        }
        KgdbBpType type = KgdbBpType.of(bptType - '0');
        int error = in.charAt(0) == 'Z'
                ? target.setHwBreakpoint(addr, (int) length, type)
                : target.removeHwBreakpoint(addr, (int) length, type);
        return error == 0 ? "OK" : errorPacket(error);
    }

    /** error_packet(): {@code E} and the negated error in two decimal digits, so -1 gives E01. */
    static String errorPacket(int error) {
        int e = -error;
        return "E" + HEX.charAt(e / 10) + HEX.charAt(e % 10);
    }

    private static String hexByte(int b) {
        return "" + HEX.charAt((b >> 4) & 0xF) + HEX.charAt(b & 0xF);
    }

    /** hex_to_bin(). */
    static int hexToBin(char ch) {
        if (ch >= '0' && ch <= '9') {
            return ch - '0';
        }
        char lower = Character.toLowerCase(ch);
        if (lower >= 'a' && lower <= 'f') {
            return lower - 'a' + 10;
        }
        return -1;
    }

    /** A read pointer into the packet, as gdbstub walks its buffer (past the end it reads the NUL). */
    private static final class Cursor {
        private final String s;
        private int pos;
        int digits;

        Cursor(String s, int pos) {
            this.s = s;
            this.pos = pos;
        }

        char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        char next() {
            char c = peek();
            pos++;
            return c;
        }

        /** kgdb_hex2long(): an optional '-', then hex digits while there are; {@link #digits} counts them. */
        long hex2long() {
            boolean negate = false;
            if (peek() == '-') {
                negate = true;
                pos++;
            }
            long v = 0;
            digits = 0;
            while (pos < s.length() && hexToBin(s.charAt(pos)) >= 0) {
                v = (v << 4) | hexToBin(s.charAt(pos));
                digits++;
                pos++;
            }
            return negate ? -v : v;
        }
    }
}
