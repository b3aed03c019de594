package org.hwbp.ptrace.gdb;

import org.hwbp.ptrace.model.Tracer;
import org.hwbp.ptrace.model.UserArea;

/**
 * gdb's {@code nat/x86-linux-dregs.c}: how the mirror of {@link X86DregState} reaches a Linux tracee, by
 * PTRACE_POKEUSER of {@code u_debugreg[]} ({@code x86_linux_dr_set}), in the order of
 * {@code x86_linux_update_debug_registers}: DR7 ← 0 first (kernels before 2.6.33 refused an address that did
 * not match the enabled DR7), then the address of every register in use, then DR7 ← the control mirror unless it
 * is 0 (already written), and DR6 ← 0 when an address was written or the tracee stopped for a watchpoint (so
 * that a stale status does not confuse {@code x86_stopped_data_address}). A refused write throws the errno
 * Linux returns, as {@code perror_with_name} reports it in gdb.
 */
final class PtraceDregWriter {
    private final Tracer tracer;
    private final int task;

    PtraceDregWriter(Tracer tracer, int task) {
        this.tracer = tracer;
        this.task = task;
    }

    /** x86_linux_update_debug_registers() for {@code state}. */
    void update(X86DregState state, boolean stoppedByWatchpoint) {
        tracer.pokeUser(task, UserArea.debugreg(7), 0);
        boolean clearStatus = false;
        for (int i = 0; i < 4; i++) {
            if (state.refCount[i] > 0) {
                tracer.pokeUser(task, UserArea.debugreg(i), state.mirror[i]);
                clearStatus = true;
            }
        }
        if (state.control != 0) {
            tracer.pokeUser(task, UserArea.debugreg(7), state.control);
        }
        if (clearStatus || stoppedByWatchpoint) {
            tracer.pokeUser(task, UserArea.debugreg(6), 0);
        }
    }

    /** PTRACE_PEEKUSER of {@code u_debugreg[n]}. */
    long read(int n) {
        return tracer.peekUser(task, UserArea.debugreg(n));
    }

    /** PTRACE_POKEUSER of {@code u_debugreg[n]} (gdb's {@code set $drN = ...}). */
    void write(int n, long value) {
        tracer.pokeUser(task, UserArea.debugreg(n), value);
    }
}
