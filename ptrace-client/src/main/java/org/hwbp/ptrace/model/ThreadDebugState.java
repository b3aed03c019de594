package org.hwbp.ptrace.model;

import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.PreemptReason;

/**
 * The debug-register part of one task's {@code struct thread_struct} and the functions of
 * arch/x86/kernel/ptrace.c that work on it: {@code ptrace_bps[4]} (one perf event per <em>virtual</em> DR
 * number), {@code virtual_dr6} (positive polarity) and {@code ptrace_dr7}.
 *
 * <p>Tracer operations are serialised by this object's monitor (the tracer holds the tracee stopped in
 * Linux); {@link PtraceRegisterBreakpoint} and {@link PtraceWriteDr7} run only under it. The overflow handler
 * ({@link PtraceTriggered}) runs on the core's callback thread while an access waits for it, so it takes only
 * {@link VirtualDr6}'s dr6Lock and never calls into the core.
 */
public final class ThreadDebugState {
    /** A SIGTRAP stop as the tracer's waitpid() sees it, with DR6 as PEEKUSER would read it then. */
    public record Stop(String signal, long dr6) {
        @Override
        public String toString() {
            return String.format("%s dr6=0x%x", signal, dr6);
        }
    }

    /**
     * A virtual DR whose event could not be registered again when the client came back (its slot was taken
     * meanwhile): kept with the reason, so that it is reported and can be retried instead of being lost.
     */
    public record Unrestored(PtraceState.Dr dr, String reason) {
    }

    private final int task;
    private final PtraceBps ptraceBps = new PtraceBps();
    private final VirtualDr6 dr6;
    private final PtraceLog log = new PtraceLog();
    private final PtraceTriggered handler;
    private final PtraceRegisterBreakpoint register;
    private final PtraceWriteDr7 writeDr7;
    private volatile long ptraceDr7;

    public ThreadDebugState(int task, BreakpointService service) {
        this(task, service, new VirtualDr6());
    }

    private ThreadDebugState(int task, BreakpointService service, VirtualDr6 dr6) {
        this.task = task;
        this.dr6 = dr6;
        this.handler = new PtraceTriggered(ptraceBps, dr6, log);
        this.register = new PtraceRegisterBreakpoint(task, service, handler, ptraceBps);
        this.writeDr7 = new PtraceWriteDr7(ptraceBps, register, log);
    }

    /** Sets what delivering SIGTRAP does when the task is not traced (its default action kills it). */
    void onUntracedSigtrap(Runnable action) {
        dr6.onUntracedSigtrap(action);
    }

    /** Sets (or with null clears) the one observer told of this tracee's stops and claim notifications. */
    public void observe(TraceeObserver o) {
        handler.observe(o);
    }

    /** The observer set by {@link #observe}, or null. */
    public TraceeObserver observer() {
        return handler.observer();
    }

    /**
     * A task's state as saved, without its events (and without the #DB SIGTRAP was last sent for: any later
     * #DB is a new one): {@link Tracer#restore} registers them afterwards with
     * {@link #restoreDr}, in the order they were first registered.
     */
    ThreadDebugState(PtraceState.TaskState saved, BreakpointService service) {
        this(saved.task(), service, new VirtualDr6(saved.virtualDr6(), saved.stop()));
        ptraceDr7 = saved.ptraceDr7();
        log.restore(saved.log());
    }

    /** {@link PtraceRegisterBreakpoint#restoreDr}, under this object's monitor. */
    synchronized HwbpException restoreDr(int n, PtraceState.Dr dr) {
        return register.restoreDr(n, dr);
    }

    /** The saved events not registered again, by virtual DR number (null entries where none). */
    public List<Unrestored> unrestored() {
        return ptraceBps.unrestored();
    }

    /** What {@link PtraceState} keeps of this task. */
    synchronized PtraceState.TaskState snapshot(boolean traced) {
        List<PtraceState.Dr> drs = ptraceBps.saved();
        return dr6.read((virtualDr6, stop) ->
                new PtraceState.TaskState(task, traced, drs, ptraceDr7, virtualDr6, stop, log()));
    }

    /** Whether there is anything to keep: an event, an unrestored one, a DR6/DR7 value or a stop. */
    synchronized boolean isEmpty() {
        if (!ptraceBps.isEmpty()) {
            return false;
        }
        return dr6.read((virtualDr6, stop) -> ptraceDr7 == 0 && virtualDr6 == 0 && stop == null);
    }

    public int task() {
        return task;
    }

    // ------------------------------------------------------------------ PEEKUSR / POKEUSR

    /** ptrace_get_debugreg(). */
    public synchronized long getDebugreg(int n) {
        if (n < X86Debugreg.HBP_NUM) {
            Breakpoint bp = ptraceBps.get(n);
            return bp == null ? 0 : bp.spec().address();
        }
        if (n == 6) {
            return dr6.peek();
        }
        if (n == 7) {
            return ptraceDr7;
        }
        return 0;
    }

    /** ptrace_set_debugreg(): DR0-3 addresses, DR6, DR7; DR4 and DR5 do not exist (EIO). */
    public synchronized void setDebugreg(int n, long val) {
        if (n < X86Debugreg.HBP_NUM) {
            register.setBreakpointAddr(n, val);
        } else if (n == 6) {
            dr6.poke(val);
        } else if (n == 7) {
            writeDr7.write(val);
            ptraceDr7 = val;
        } else {
            throw new HwbpException(Errno.EIO, "there are no DR4 or DR5 registers");
        }
    }

    /** flush_ptrace_hw_breakpoint() (exec and exit, not detach): unregister all four, zero DR6 and DR7. */
    public synchronized void flush() {
        ptraceBps.flush();
        dr6.clear();
        ptraceDr7 = 0;
    }

    // ------------------------------------------------------------------ #DB and stops

    /**
     * The entry of exc_debug_user() (arch/x86/kernel/traps.c), at every user-mode #DB this task takes, whoever
     * owns the breakpoint that raised it (a tracer's, or a perf breakpoint of another owner on this task or
     * on its CPU): {@code current->thread.virtual_dr6 = (dr6 & DR_STEP)}. The core calls it before the #DB's
     * handlers, so ptrace_triggered() then adds the trap bits of this #DB's virtual DRs to a fresh value.
     *
     * @param dr6 the real DR6 of the #DB, positive polarity
     */
    public void userDebugException(long dr6) {
        this.dr6.userDebugException(dr6);
    }

    /** The tracee's last stop, or null while it runs. */
    public Stop stop() {
        return dr6.stop();
    }

    /** PTRACE_CONT: the tracee runs again. */
    public void resume() {
        dr6.resume();
    }

    // ------------------------------------------------------------------ introspection

    /** The event behind virtual DRn, or null. */
    public Breakpoint breakpoint(int n) {
        return ptraceBps.get(n);
    }

    public long ptraceDr7() {
        return ptraceDr7;
    }

    /** virtual_dr6 in its own (positive) polarity. */
    public long virtualDr6() {
        return dr6.get();
    }

    /** Why virtual DRn cannot fire now, or null. */
    public PreemptReason preemptedReason(int n) {
        return ptraceBps.preemptedReason(n);
    }

    /** The preempted/restored (and warning) lines, oldest first. */
    public List<String> log() {
        return log.lines();
    }
}
