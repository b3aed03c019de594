package org.hwbp.ptrace.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.PreemptReason;

/**
 * One task's {@code thread.ptrace_bps[HBP_NUM]}: the perf event behind each virtual DR number, and what the
 * sandbox keeps beside it: why it is preempted now, and the saved event that could not be registered again.
 *
 * <p>Events and unrestored entries are written under {@link ThreadDebugState}'s monitor, preemption reasons by
 * the claim callbacks without lock (and cleared by {@link #flush} under the monitor); all are atomic arrays,
 * read without lock by the overflow handler and introspection.
 */
final class PtraceBps {
    private final AtomicReferenceArray<Breakpoint> ptraceBps = new AtomicReferenceArray<>(X86Debugreg.HBP_NUM);
    /** Per virtual DR: the reason it is preempted now, or null. Written by the callbacks. */
    private final AtomicReferenceArray<PreemptReason> preempted = new AtomicReferenceArray<>(X86Debugreg.HBP_NUM);
    /** Per virtual DR: the saved event that could not be registered again, or null. */
    private final AtomicReferenceArray<ThreadDebugState.Unrestored> unrestored =
            new AtomicReferenceArray<>(X86Debugreg.HBP_NUM);

    Breakpoint get(int n) {
        return ptraceBps.get(n);
    }

    /** {@code bp}, just registered, becomes the event of virtual DRn. */
    void install(int n, Breakpoint bp) {
        ptraceBps.set(n, bp);
        // A new event supersedes the saved one that could not be restored.
        unrestored.set(n, null);
    }

    /** The virtual DR number of {@code bp}, searched as ptrace_triggered() does: HBP_NUM when it is not found. */
    int indexOf(Breakpoint bp) {
        int i;
        for (i = 0; i < X86Debugreg.HBP_NUM; i++) {
            if (ptraceBps.get(i) == bp) {
                break;
            }
        }
        return i;
    }

    /** Records why virtual DRn cannot fire now, or with null that it can again. */
    void preempted(int n, PreemptReason reason) {
        preempted.set(n, reason);
    }

    PreemptReason preemptedReason(int n) {
        return preempted.get(n);
    }

    /** Keeps the saved event of virtual DRn that could not be registered again. */
    void keepUnrestored(int n, ThreadDebugState.Unrestored u) {
        unrestored.set(n, u);
    }

    List<ThreadDebugState.Unrestored> unrestored() {
        ThreadDebugState.Unrestored[] a = new ThreadDebugState.Unrestored[X86Debugreg.HBP_NUM];
        for (int n = 0; n < a.length; n++) {
            a[n] = unrestored.get(n);
        }
        return Arrays.asList(a);
    }

    /** What {@link PtraceState} keeps of the four; an unrestored DR is saved as it was, to be tried again. */
    List<PtraceState.Dr> saved() {
        List<PtraceState.Dr> drs = new ArrayList<>();
        for (int n = 0; n < X86Debugreg.HBP_NUM; n++) {
            Breakpoint bp = ptraceBps.get(n);
            ThreadDebugState.Unrestored u = unrestored.get(n);
            if (bp != null) {
                BreakpointSpec s = bp.spec();
                drs.add(new PtraceState.Dr(s.address(), s.length(), s.type(), s.disabled(), bp.id()));
            } else {
                drs.add(u == null ? null : u.dr());
            }
        }
        return drs;
    }

    /** Whether no virtual DR has an event or an unrestored one. */
    boolean isEmpty() {
        for (int n = 0; n < X86Debugreg.HBP_NUM; n++) {
            if (ptraceBps.get(n) != null || unrestored.get(n) != null) {
                return false;
            }
        }
        return true;
    }

    /** flush_ptrace_hw_breakpoint()'s loop: each event unregistered, with what was kept beside it. */
    void flush() {
        for (int i = 0; i < X86Debugreg.HBP_NUM; i++) {
            Breakpoint bp = ptraceBps.getAndSet(i, null);
            if (bp != null) {
                bp.unregister();
            }
            preempted.set(i, null);
            unrestored.set(i, null);
        }
    }
}
