package org.hwbp.ptrace.model;

import org.hwbp.api.Hit;
import org.hwbp.api.x86.Dr6;

/**
 * One task's {@code thread.virtual_dr6} and the SIGTRAP stop read with it, as exc_debug_user()
 * (arch/x86/kernel/traps.c) and ptrace_triggered() leave them.
 *
 * <p>Guarded by {@link #dr6Lock} alone, whoever calls: the overflow handler runs on the core's callback thread
 * while an access waits for it, so it must not take {@link ThreadDebugState}'s monitor. The tracer's calls
 * come under that monitor and take dr6Lock inside it.
 */
final class VirtualDr6 {
    /** What {@link #read} hands over, read together under dr6Lock. */
    interface Reader<T> {
        T read(long virtualDr6, ThreadDebugState.Stop stop);
    }

    private final Object dr6Lock = new Object();
    /** Positive polarity: bit n = virtual DRn hit, DR_STEP (Dr6.BS) = single step. Guarded by dr6Lock. */
    private long virtualDr6;
    /** The #DB (Hit.exception) this task was last sent SIGTRAP for. Guarded by dr6Lock. */
    private long sigtrapException;
    /** Guarded by dr6Lock. */
    private ThreadDebugState.Stop stop;
    /** What a SIGTRAP does to the task when nobody traces it (set by the tracer). */
    private volatile Runnable untracedSigtrap = () -> { };

    VirtualDr6() {
    }

    /** As saved, without the #DB SIGTRAP was last sent for: any later #DB is a new one. */
    VirtualDr6(long virtualDr6, ThreadDebugState.Stop stop) {
        this.virtualDr6 = virtualDr6;
        this.stop = stop;
    }

    /** Sets what delivering SIGTRAP does when the task is not traced (its default action kills it). */
    void onUntracedSigtrap(Runnable action) {
        untracedSigtrap = action;
    }

    /** virtual_dr6 and the stop, with whatever {@code r} reads beside them, all under dr6Lock. */
    <T> T read(Reader<T> r) {
        synchronized (dr6Lock) {
            return r.read(virtualDr6, stop);
        }
    }

    long get() {
        synchronized (dr6Lock) {
            return virtualDr6;
        }
    }

    /** ptrace_get_debugreg(6). */
    long peek() {
        synchronized (dr6Lock) {
            // Flip back to the architectural polarity.
            return virtualDr6 ^ Dr6.RESET;
        }
    }

    /** ptrace_set_debugreg(6). */
    void poke(long val) {
        synchronized (dr6Lock) {
            virtualDr6 = val ^ Dr6.RESET;
        }
    }

    /** flush_ptrace_hw_breakpoint()'s zeroing. */
    void clear() {
        synchronized (dr6Lock) {
            virtualDr6 = 0;
        }
    }

    /** exc_debug_user()'s {@code current->thread.virtual_dr6 = (dr6 & DR_STEP)}. */
    void userDebugException(long dr6) {
        synchronized (dr6Lock) {
            virtualDr6 = dr6 & Dr6.BS;
        }
    }

    /**
     * ptrace_triggered(): {@code virtual_dr6 |= DR_TRAP0 << i} (reset at this #DB's entry by
     * {@link #userDebugException}). The hit stops the tracee with SIGTRAP: exc_debug_user() sends it once
     * per #DB, after the handlers, because a trap bit is set in dr6 | virtual_dr6.
     *
     * @return the stop this hit left
     */
    ThreadDebugState.Stop triggered(int i, Hit hit) {
        boolean newException = false;
        ThreadDebugState.Stop now;
        synchronized (dr6Lock) {
            if (!hit.kernelMode() && hit.exception() != sigtrapException) {
                sigtrapException = hit.exception();
                newException = true;
            }
            virtualDr6 |= Dr6.trap(i);
            stop = new ThreadDebugState.Stop("SIGTRAP", virtualDr6 ^ Dr6.RESET);
            now = stop;
        }
        if (newException) {
            // exc_debug_user() sends SIGTRAP once per #DB; with no tracer its default action ends the task.
            untracedSigtrap.run();
        }
        return now;
    }

    ThreadDebugState.Stop stop() {
        synchronized (dr6Lock) {
            return stop;
        }
    }

    void resume() {
        synchronized (dr6Lock) {
            stop = null;
        }
    }
}
