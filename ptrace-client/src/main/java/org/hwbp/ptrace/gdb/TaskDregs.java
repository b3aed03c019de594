package org.hwbp.ptrace.gdb;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.BreakpointType;
import org.hwbp.api.gdb.StopEvent;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;

/**
 * The task's debug registers as gdbserver's x86 low target keeps them (linux-x86-low.cc): gdb's mirror
 * ({@link X86DregState}) that low_insert_point/low_remove_point edit, committed by the POKEUSER writes of
 * {@link PtraceDregWriter}; whether the last stop was a watchpoint's, so that low_prepare_to_resume clears DR6;
 * and the stop reason low_stopped_data_address finds in the virtual DR6.
 *
 * <p>Not thread-safe: {@link TaskGdbTarget} calls it under its lock.
 */
final class TaskDregs {
    private final PtraceDregWriter writer;
    private final int task;
    private X86DregState state = new X86DregState();
    private volatile boolean stoppedByWatchpoint;

    TaskDregs(PtraceDregWriter writer, int task) {
        this.writer = writer;
        this.task = task;
    }

    /** gdb attached: an empty mirror, and no watchpoint stop to clear. */
    void reset() {
        state = new X86DregState();
        stoppedByWatchpoint = false;
    }

    /**
     * x86_dr_insert_watchpoint()/x86_dr_insert_hw_breakpoint() on a copy of the mirror, committed by the
     * POKEUSER writes; a refused write rolls the tracee back to the old mirror and refuses the packet with
     * the errno and the core's message (for ENOSPC it names who holds the slots).
     */
    void insert(BreakpointType type, long address, int kind) {
        X86DregState next = state.copy();
        if (!next.insert(type, address, kind)) {
            // x86_dr_insert_watchpoint() returns -1: gdbserver answers E01 (no register free in the mirror).
            throw new HwbpException(Errno.EPERM, "the four debug registers of task " + task + " are in use");
        }
        commit(next);
    }

    void remove(BreakpointType type, long address, int kind) {
        X86DregState next = state.copy();
        if (!next.remove(type, address, kind)) {
            throw new HwbpException(Errno.ENOENT, "no such breakpoint");
        }
        commit(next);
    }

    private void commit(X86DregState next) {
        try {
            writer.update(next, stoppedByWatchpoint);
            state = next;
        } catch (HwbpException e) {
            // What gdb's next resume would do with the mirror it kept: write the old state again.
            try {
                writer.update(state, false);
            } catch (HwbpException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /**
     * low_prepare_to_resume (x86_linux_prepare_to_resume): after a watchpoint's stop DR6 still names the
     * register that fired, which would be taken for the next stop's reason.
     */
    void prepareToResume() {
        if (stoppedByWatchpoint) {
            writer.write(6, 0);
            stoppedByWatchpoint = false;
        }
    }

    /** The task was single-stepped: its stop is a plain SIGTRAP. */
    void stepped() {
        stoppedByWatchpoint = false;
    }

    /** x86_linux_update_debug_registers() of an empty mirror: DR7 = 0 (and DR6 = 0 after a watchpoint's stop). */
    void clear() {
        X86DregState empty = new X86DregState();
        try {
            writer.update(empty, stoppedByWatchpoint);
        } catch (HwbpException e) {
            // DR7 = 0 cannot fail (it only disables); nothing else is written
        }
        state = empty;
    }

    /** The stop of a SIGTRAP with virtual DR6 {@code dr6}; a watchpoint's is remembered for the next resume. */
    StopEvent stopped(long dr6) {
        StopEvent event = reason(Dr6.toPositive(dr6));
        stoppedByWatchpoint = event.reason() != StopEvent.Reason.HWBREAK
                && event.reason() != StopEvent.Reason.SIGNAL;
        return event;
    }

    /**
     * x86_dr_stopped_data_address(): a DR6 bit of a register in use that is not an execute breakpoint gives the
     * data address (the last such register wins, as there); an execute one is a hardware breakpoint at its
     * address. gdbserver always says {@code watch:}; the register's RW bits tell write from access here.
     */
    private StopEvent reason(long positiveDr6) {
        StopEvent found = null;
        long execAt = -1;
        for (int i = 0; i < 4; i++) {
            if ((positiveDr6 & Dr6.trap(i)) == 0 || state.vacant(i)) {
                continue;
            }
            int rw = state.rw(i);
            if (rw == Dr7.RW_EXECUTE) {
                execAt = state.mirror[i];
            } else {
                found = StopEvent.watchpoint(task, rw == Dr7.RW_WRITE ? BreakpointType.WRITE_WATCHPOINT
                        : BreakpointType.ACCESS_WATCHPOINT, state.mirror[i]);
            }
        }
        if (found != null) {
            return found;
        }
        if (execAt >= 0) {
            return new StopEvent(task, StopEvent.SIGTRAP, StopEvent.Reason.HWBREAK, execAt);
        }
        return StopEvent.signal(task, StopEvent.SIGTRAP);
    }
}
