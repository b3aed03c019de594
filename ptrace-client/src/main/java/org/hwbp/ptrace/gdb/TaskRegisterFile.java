package org.hwbp.ptrace.gdb;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.TargetDescription;

/**
 * The task's registers as gdb's x86-64 description with debug registers numbers them, each a little-endian
 * value of the register's size. DR0–DR3, DR6 and DR7 are {@code u_debugreg[]} in the task's user area, read by
 * PTRACE_PEEKUSER and written by PTRACE_POKEUSER ({@link PtraceDregWriter}, as gdb's x86_linux_dr_get and
 * x86_linux_dr_set); the task has no modelled general registers: they read as 0, except {@code rip}, which
 * holds the address of the hardware breakpoint the task last stopped at.
 */
final class TaskRegisterFile {
    private final TargetDescription description;
    private final PtraceDregWriter writer;
    /** The address of the hardware breakpoint the task stopped at (what rip reads), else 0. */
    private volatile long pc;

    TaskRegisterFile(TargetDescription description, PtraceDregWriter writer) {
        this.description = description;
        this.writer = writer;
    }

    /** Sets what rip reads: the breakpoint the task stopped at, or 0 where it is not known. */
    void pc(long address) {
        pc = address;
    }

    byte[] read(int regno) {
        byte[] b = new byte[description.registers().get(regno).bytes()];
        long v;
        if (regno == TargetDescription.RIP) {
            v = pc;
        } else if (regno >= TargetDescription.DR0 && regno < TargetDescription.DR0 + 4) {
            v = writer.read(regno - TargetDescription.DR0);
        } else if (regno == TargetDescription.DR6) {
            v = writer.read(6);
        } else if (regno == TargetDescription.DR7) {
            v = writer.read(7);
        } else {
            return b;
        }
        for (int i = 0; i < b.length && i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** Only the debug registers are writable (POKEUSER of u_debugreg[]), like {@code set $dr7 = ...}. */
    void write(int regno, byte[] value) {
        long v = 0;
        for (int i = 0; i < value.length && i < 8; i++) {
            v |= (value[i] & 0xffL) << (8 * i);
        }
        if (regno >= TargetDescription.DR0 && regno < TargetDescription.DR0 + 4) {
            writer.write(regno - TargetDescription.DR0, v);
        } else if (regno == TargetDescription.DR6) {
            writer.write(6, v);
        } else if (regno == TargetDescription.DR7) {
            writer.write(7, v);
        } else if (regno == TargetDescription.RIP) {
            pc = v;
        } else if (read(regno).length != value.length || v != 0) {
            throw new HwbpException(Errno.EIO, "register " + description.registers().get(regno).name()
                    + " is not modelled");
        }
    }
}
