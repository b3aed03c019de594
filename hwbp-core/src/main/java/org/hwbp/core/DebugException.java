package org.hwbp.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Errno;
import org.hwbp.api.Hit;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.api.machine.LittleEndian;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.machine.Cpu;
import org.hwbp.core.machine.DebugRegisterFile;
import org.hwbp.core.x86.ArchInfo;
import org.hwbp.core.x86.CpuShadow;

/**
 * The #DB exception of a breakpoint hit: the hardware's match of an access against DR0–DR3/DR7 setting DR6's Bi
 * bits, exc_debug() (arch/x86/kernel/traps.c: read and reset DR6, in kernel mode local_db_save/local_db_restore
 * around the handlers, in user mode exc_debug_user()'s virtual_dr6 reset told to the
 * {@link org.hwbp.api.machine.DebugExceptionListener}s first) and hw_breakpoint_handler()
 * (arch/x86/kernel/hw_breakpoint.c: one perf overflow per triggered slot, the single-step precedence,
 * exclude_kernel). The handlers' callbacks run after every lock is
 * released, through the dispatcher.
 */
final class DebugException {
    private final HwBreakpointCore core;
    private final Cpus cpus;
    private final AtomicLong nextException = new AtomicLong(1);
    /**
     * Per CPU: kernel-mode #DBs between local_db_save() and local_db_restore(), when the hardware DR7 is
     * cleared on purpose; the invariant check does not compare such a CPU's DR7 with cpu_dr7.
     */
    private final AtomicIntegerArray inDebugException;

    DebugException(HwBreakpointCore core, Cpus cpus) {
        this.core = core;
        this.cpus = cpus;
        this.inDebugException = new AtomicIntegerArray(cpus.count);
    }

    /** Whether {@code cpu} is inside a kernel-mode #DB with its DR7 saved and cleared. */
    boolean inDebugException(int cpu) {
        return inDebugException.get(cpu) != 0;
    }

    /**
     * A memory access or instruction fetch on {@code cpu}: a read or fetch loads the bytes from memory, a write
     * stores {@code value} little-endian. Data breakpoints are traps, so the access is done before any #DB. If
     * it matches an enabled breakpoint of the hardware DR7, the hardware sets DR6's Bi bits and raises #DB:
     * exc_debug reads and resets DR6 (and in kernel mode saves and clears DR7, local_db_save), then
     * hw_breakpoint_handler() dispatches per slot.
     */
    AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode, long value) {
        Cpu c = cpus.cpu(cpu);
        if (length != 1 && length != 2 && length != 4 && length != 8) {
            throw new HwbpException(Errno.EINVAL, "access length must be 1, 2, 4 or 8: " + length);
        }
        int task = c.running();
        if (!kernelMode && task == Machine.IDLE) {
            throw new HwbpException(Errno.EINVAL, "CPU " + cpu + " runs no task; a user access needs one (or --kernel)");
        }
        long accessed;
        if (kind == AccessKind.W) {
            core.writeMemory(address, LittleEndian.bytes(value, length));
            accessed = value & LittleEndian.mask(length);
        } else {
            accessed = LittleEndian.value(core.memory.read(address, length));
        }
        DebugRegisterFile regs = c.registers();
        long bits;
        c.lock().lock();
        try {
            bits = match(regs, address, length, kind);
            if (bits != 0) {
                regs.hardwareSet(6, regs.peek(6) | bits);
            }
        } finally {
            c.unlockAndApplyPending();
        }
        if (bits == 0) {
            return new AccessResult(false, 0, List.of(), accessed);
        }
        long exception = nextException.getAndIncrement();
        long savedDr7 = 0;
        long dr6;
        c.lock().lock();
        try {
            if (kernelMode) {
                savedDr7 = regs.read(7) & ~Dr7.FIXED_1;
                if (savedDr7 != 0) {
                    regs.write(7, Dr7.FIXED_1);
                    inDebugException.incrementAndGet(cpu);
                }
            }
            dr6 = regs.read(6);
            regs.write(6, Dr6.RESET);
        } finally {
            c.unlockAndApplyPending();
        }
        if (!kernelMode) {
            // exc_debug_user(): the task's virtual_dr6 restarts (as dr6 & DR_STEP) at every user-mode #DB,
            // whoever's breakpoint raised it, before notify_debug() reaches hw_breakpoint_handler(). The
            // listeners (ptrace, which keeps virtual_dr6) have returned before the first handler is called.
            core.listeners.userDebugException(cpu, task, Dr6.toPositive(dr6), exception);
        }
        List<String> lines = handle(cpu, task, address, length, kind, kernelMode, Dr6.toPositive(dr6), exception);
        if (savedDr7 != 0) {
            c.lock().lock();
            try {
                // local_db_restore(); only if the host still holds the hardware. Linux writes back the saved
                // DR7, which is cpu_dr7: no install or uninstall can reach this CPU while its #DB runs. Here
                // one can (from another thread, during the handlers), so cpu_dr7 as it is now is written.
                if (c.hostHoldsHardware()) {
                    regs.write(7, cpus.shadow(cpu).dr7());
                }
                inDebugException.decrementAndGet(cpu);
            } finally {
                c.unlockAndApplyPending();
            }
        }
        return new AccessResult(true, dr6, lines, accessed);
    }

    /** The positive-polarity Bi bits of the enabled hardware breakpoints this access hits. */
    static long match(DebugRegisterFile regs, long address, int length, AccessKind kind) {
        long dr7 = regs.peek(7);
        long bits = 0;
        for (int i = 0; i < CpuShadow.HBP_NUM; i++) {
            if (!Dr7.enabled(dr7, i)) {
                continue;
            }
            int rw = Dr7.rw(dr7, i);
            long bpAddr = regs.peek(i);
            boolean hit;
            if (kind == AccessKind.X) {
                hit = rw == Dr7.RW_EXECUTE && bpAddr == address;
            } else {
                boolean typeOk = rw == Dr7.RW_READ || (rw == Dr7.RW_WRITE && kind == AccessKind.W);
                int len = Dr7.lenBytes(Dr7.lenBits(dr7, i));
                long start = bpAddr & ~(long) (len - 1);
                long end = start + len - 1;
                long aEnd = address + length - 1;
                hit = typeOk && Long.compareUnsigned(address, end) <= 0 && Long.compareUnsigned(aEnd, start) >= 0;
            }
            if (hit) {
                bits |= Dr6.trap(i);
            }
        }
        return bits;
    }

    /** hw_breakpoint_handler(). */
    private List<String> handle(int cpu, int task, long address, int length, AccessKind kind, boolean kernelMode,
            long dr6, long exception) {
        List<String> lines = new ArrayList<>();
        CpuShadow<PerfEvent> sh = cpus.shadow(cpu);
        for (int i = 0; i < CpuShadow.HBP_NUM; i++) {
            if ((dr6 & Dr6.trap(i)) == 0) {
                continue;
            }
            PerfEvent bp = sh.owner(i);
            if (bp == null) {
                lines.add("slot " + i + ": no owner");
                continue;
            }
            ArchInfo info = bp.info;
            if (info.isExecute() && (dr6 & Dr6.BS) != 0) {
                // The single-step trap has precedence; the instruction breakpoint will fire again.
                lines.add("slot " + i + ": " + bp + " deferred (single step)");
                continue;
            }
            String rf = info.isExecute() ? " RF" : "";
            if (bp.spec.excludeKernel() && kernelMode) {
                lines.add("slot " + i + ": " + bp + " not delivered (exclude_kernel, kernel-mode access)" + rf);
                continue;
            }
            Hit hit = new Hit(cpu, task, address, length, kind, kernelMode, i, dr6, exception);
            core.stats.triggers.increment();
            core.log.add("trigger " + bp + " cpu " + cpu + " slot " + i + String.format(" addr 0x%x", address));
            core.dispatcher.deliver(bp.owner.name(), "triggered", () -> bp.handler.triggered(bp, hit));
            lines.add("slot " + i + ": " + bp + " " + bp.target() + " triggered" + rf);
        }
        return lines;
    }
}
