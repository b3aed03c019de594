package org.hwbp.api.gdb;

import static org.hwbp.api.gdb.Replies.OK;
import static org.hwbp.api.gdb.Replies.ascii;
import static org.hwbp.api.gdb.Replies.error;

import java.util.List;
import java.util.function.IntSupplier;

import org.hwbp.api.Errno;

/**
 * The register packets {@code g}, {@code G}, {@code p} and {@code P} on the thread {@code Hg} selected, each
 * register as many bytes as the target description gives it: QEMU's handle_read_all_regs,
 * handle_write_all_regs, handle_get_reg and handle_set_reg (gdbstub.c).
 */
final class RegisterPackets {
    private final GdbTarget target;
    private final TargetDescription description;
    /**
     * The thread {@code Hg} selected, resolved where each packet needs it: {@code p} and {@code P} parse their
     * arguments first, so a malformed one is EINVAL even when there is no thread to read (ESRCH).
     */
    private final IntSupplier generalThread;

    RegisterPackets(GdbTarget target, TargetDescription description, IntSupplier generalThread) {
        this.target = target;
        this.description = description;
        this.generalThread = generalThread;
    }

    /** {@code g}: every register, in the description's order. */
    byte[] readAll() {
        int thread = generalThread.getAsInt();
        StringBuilder s = new StringBuilder();
        for (int r = 0; r < description.registers().size(); r++) {
            s.append(Hex.encode(register(thread, r)));
        }
        return ascii(s.toString());
    }

    /** {@code G}: every register, in the description's order. */
    byte[] writeAll(String hex) {
        int thread = generalThread.getAsInt();
        byte[] all = Hex.decode(hex);
        List<TargetDescription.Register> regs = description.registers();
        int total = regs.stream().mapToInt(TargetDescription.Register::bytes).sum();
        if (all.length != total) {
            return error(Errno.EINVAL);
        }
        int offset = 0;
        for (int r = 0; r < regs.size(); r++) {
            int size = regs.get(r).bytes();
            byte[] value = new byte[size];
            System.arraycopy(all, offset, value, 0, size);
            target.writeRegister(thread, r, value);
            offset += size;
        }
        return OK;
    }

    /** {@code p n}. */
    byte[] read(String args) {
        int regno = registerNumber(args);
        return ascii(Hex.encode(register(generalThread.getAsInt(), regno)));
    }

    /** {@code P n=value}. */
    byte[] write(String args) {
        int eq = args.indexOf('=');
        int regno = registerNumber(args.substring(0, eq));
        byte[] value = Hex.decode(args.substring(eq + 1));
        if (value.length != description.registers().get(regno).bytes()) {
            return error(Errno.EINVAL);
        }
        target.writeRegister(generalThread.getAsInt(), regno, value);
        return OK;
    }

    private int registerNumber(String hex) {
        int regno = Hex.parseSize(hex);
        if (regno >= description.registers().size()) {
            throw new IllegalArgumentException("no register " + regno);
        }
        return regno;
    }

    private byte[] register(int thread, int regno) {
        byte[] value = target.readRegister(thread, regno);
        if (value.length != description.registers().get(regno).bytes()) {
            throw new IllegalStateException("register " + regno + " has " + value.length + " bytes");
        }
        return value;
    }
}
