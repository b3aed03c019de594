package org.hwbp.ptrace.model;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.PreemptReason;

/**
 * Who waits on a tracee besides {@code ptrace:wait}: a debugger that must hear of a stop as it happens (gdb's
 * gdbserver blocks in waitpid(); here the stop is pushed). Called outside the tracee's locks, on the core's
 * callback thread of this bundle or on the thread that ends the tracee.
 */
public interface TraceeObserver {

    /** The tracee stopped with SIGTRAP (a hit on one of its virtual DRs); {@code stop.dr6()} as PEEKUSER reads it. */
    void stopped(ThreadDebugState.Stop stop);

    /** Virtual DR{@code dr}'s breakpoint cannot fire for now. */
    void preempted(int dr, Breakpoint bp, PreemptReason reason);

    /** Virtual DR{@code dr}'s breakpoint can fire again. */
    void restored(int dr, Breakpoint bp);

    /** The tracee exited (do_exit): its ptrace breakpoints were flushed. */
    void exited();

    /** The tracer lost the tracee without an exit (the client or the core went away). */
    void lost(String why);
}
