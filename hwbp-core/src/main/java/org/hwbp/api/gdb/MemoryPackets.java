package org.hwbp.api.gdb;

import static org.hwbp.api.gdb.Replies.EMPTY;
import static org.hwbp.api.gdb.Replies.OK;
import static org.hwbp.api.gdb.Replies.ascii;
import static org.hwbp.api.gdb.Replies.error;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.hwbp.api.Errno;

/**
 * The memory packets {@code m} (hex read), {@code M} (hex write) and {@code X} (binary write): QEMU's
 * handle_read_mem and handle_write_mem (gdbstub.c), gdbserver's decode_X_packet for the binary one.
 */
final class MemoryPackets {
    private final GdbTarget target;
    private final Session session;

    MemoryPackets(GdbTarget target, Session session) {
        this.target = target;
        this.session = session;
    }

    /** {@code m addr,length}. */
    byte[] read(String args) {
        int comma = args.indexOf(',');
        long address = Hex.parseUnsigned(args.substring(0, comma));
        // the hex reply must fit the packet size gdb was told
        int length = Math.min(Hex.parseSize(args.substring(comma + 1)), session.maxPayload() / 2);
        if (length == 0) {
            return EMPTY;
        }
        byte[] data = target.readMemory(address, length);
        if (data.length == 0) {
            return error(Errno.EIO);
        }
        return ascii(Hex.encode(data.length > length ? Arrays.copyOf(data, length) : data));
    }

    /** {@code M addr,length:hex}. */
    byte[] write(String args) {
        int comma = args.indexOf(',');
        int colon = args.indexOf(':', comma);
        long address = Hex.parseUnsigned(args.substring(0, comma));
        int length = Hex.parseSize(args.substring(comma + 1, colon));
        byte[] data = Hex.decode(args.substring(colon + 1));
        if (data.length != length) {
            return error(Errno.EINVAL);
        }
        if (length > 0) {
            target.writeMemory(address, data);
        }
        return OK;
    }

    /** {@code X addr,length:binary}; gdb probes it with a zero length, which must answer OK. */
    byte[] writeBinary(byte[] packet) {
        int colon = indexOf(packet, (byte) ':');
        if (colon < 0) {
            return error(Errno.EINVAL);
        }
        String header = new String(packet, 1, colon - 1, StandardCharsets.ISO_8859_1);
        int comma = header.indexOf(',');
        long address = Hex.parseUnsigned(header.substring(0, comma));
        int length = Hex.parseSize(header.substring(comma + 1));
        byte[] data = Hex.unescape(packet, colon + 1, packet.length);
        if (data.length != length) {
            return error(Errno.EINVAL);
        }
        if (length > 0) {
            target.writeMemory(address, data);
        }
        return OK;
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
