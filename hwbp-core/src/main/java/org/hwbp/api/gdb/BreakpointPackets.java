package org.hwbp.api.gdb;

import static org.hwbp.api.gdb.Replies.EMPTY;
import static org.hwbp.api.gdb.Replies.OK;
import static org.hwbp.api.gdb.Replies.ascii;
import static org.hwbp.api.gdb.Replies.error;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * The breakpoint packets {@code Z} (insert) and {@code z} (remove) for the types the target offers: QEMU's
 * handle_insert_bp and handle_remove_bp (gdbstub.c).
 */
final class BreakpointPackets {
    private final GdbTarget target;

    BreakpointPackets(GdbTarget target) {
        this.target = target;
    }

    /** {@code Ztype,addr,kind[;cond…]}: conditions and commands are not evaluated by the target. */
    byte[] handle(boolean insert, String args) {
        int end = args.indexOf(';');
        String[] parts = (end < 0 ? args : args.substring(0, end)).split(",", -1);
        if (parts.length != 3) {
            return error(Errno.EINVAL);
        }
        BreakpointType type = BreakpointType.ofWire(Hex.parseSize(parts[0]));
        if (type == null || !target.breakpointTypes().contains(type)) {
            return EMPTY;
        }
        long address = Hex.parseUnsigned(parts[1]);
        int kind = Hex.parseSize(parts[2]);
        if (insert) {
            try {
                target.insertBreakpoint(type, address, kind);
            } catch (HwbpException e) {
                if (e.errno() == Errno.EOPNOTSUPP || !target.explainsRefusals()) {
                    throw e;
                }
                // gdb reads any "E." reply as an error; for Z1 it prints the text after the second '.' as
                // "Remote failure reply: ..." (the packet stays within gdb's 7-bit, '#'/'$'-free text).
                String why = e.getMessage().replaceAll("[^\\x20-\\x7e]|[#$}*]", " ");
                return ascii(String.format("E.%02x.%s", e.errno().number(), why));
            }
        } else {
            target.removeBreakpoint(type, address, kind);
        }
        return OK;
    }
}
