package org.hwbp.ptrace.model;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.Hit;
import org.hwbp.api.PreemptReason;

/**
 * The overflow handler of one task's ptrace breakpoints, ptrace_triggered(), and the claim callbacks the
 * sandbox adds (preempted, restored); each tells the tracee's observer afterwards.
 *
 * <p>Runs on the core's callback thread, never under {@link ThreadDebugState}'s monitor: it takes only
 * {@link VirtualDr6}'s dr6Lock (in {@link #triggered}) and calls the observer after releasing it; the rest it
 * touches is lock-free ({@link PtraceBps}'s atomic arrays, {@link PtraceLog}, the volatile observer).
 */
final class PtraceTriggered implements BreakpointHandler {
    private final PtraceBps ptraceBps;
    private final VirtualDr6 dr6;
    private final PtraceLog log;
    /** The debugger that waits on this tracee's stops, or null (see {@link #observe}). */
    private volatile TraceeObserver observer;

    PtraceTriggered(PtraceBps ptraceBps, VirtualDr6 dr6, PtraceLog log) {
        this.ptraceBps = ptraceBps;
        this.dr6 = dr6;
        this.log = log;
    }

    void observe(TraceeObserver o) {
        observer = o;
    }

    TraceeObserver observer() {
        return observer;
    }

    /** ptrace_triggered() ({@link VirtualDr6#triggered}); then the observer hears of the stop. */
    @Override
    public void triggered(Breakpoint bp, Hit hit) {
        int i = ptraceBps.indexOf(bp);
        ThreadDebugState.Stop now = dr6.triggered(i, hit);
        TraceeObserver o = observer;
        if (o != null) {
            o.stopped(now);
        }
    }

    @Override
    public void preempted(Breakpoint bp, PreemptReason reason) {
        int i = ptraceBps.indexOf(bp);
        if (i < X86Debugreg.HBP_NUM) {
            ptraceBps.preempted(i, reason);
        }
        log.note("DR" + i + " (bp " + bp.id() + ") preempted " + reason);
        TraceeObserver o = observer;
        if (o != null) {
            o.preempted(i, bp, reason);
        }
    }

    @Override
    public void restored(Breakpoint bp) {
        int i = ptraceBps.indexOf(bp);
        if (i < X86Debugreg.HBP_NUM) {
            ptraceBps.preempted(i, null);
        }
        log.note("DR" + i + " (bp " + bp.id() + ") restored");
        TraceeObserver o = observer;
        if (o != null) {
            o.restored(i, bp);
        }
    }
}
