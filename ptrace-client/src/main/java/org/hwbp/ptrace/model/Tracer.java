package org.hwbp.ptrace.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.PreemptReason;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.machine.TaskInfo;
import org.hwbp.api.x86.Dr6;

/**
 * The debugger process: it attaches to tasks and reads and writes their user area. Each task's debug state
 * ({@link ThreadDebugState}) belongs to the task, not to the tracer: it survives detach (Linux releases
 * ptrace breakpoints only at exec and exit) and a later attach sees it again.
 */
public final class Tracer {
    private final BreakpointService service;
    private final Machine machine;
    private final Map<Integer, ThreadDebugState> threads = new ConcurrentHashMap<>();
    private final Set<Integer> traced = ConcurrentHashMap.newKeySet();
    /** What the last {@link #restore} could not bring back, one line each. */
    private final List<String> restoreReport = new ArrayList<>();

    public Tracer(BreakpointService service, Machine machine) {
        this.service = service;
        this.machine = machine;
    }

    // ------------------------------------------------------------------ keeping the state across restarts

    /** Every task this tracer traces or whose debug registers hold something, by task id. */
    public synchronized PtraceState snapshot() {
        List<PtraceState.TaskState> tasks = new ArrayList<>();
        for (int task : union()) {
            ThreadDebugState s = threads.get(task);
            if (s == null) {
                // Attached, nothing written yet.
                tasks.add(new PtraceState.TaskState(task, true,
                        Arrays.asList(new PtraceState.Dr[X86Debugreg.HBP_NUM]), 0, 0, null, List.of()));
            } else {
                tasks.add(s.snapshot(traced.contains(task)));
            }
        }
        return new PtraceState(tasks);
    }

    private Set<Integer> union() {
        Set<Integer> all = new TreeSet<>(traced);
        for (Map.Entry<Integer, ThreadDebugState> e : threads.entrySet()) {
            if (!e.getValue().isEmpty()) {
                all.add(e.getKey());
            }
        }
        return all;
    }

    /**
     * A tracer with {@code saved} brought back on a (new) core: each task's state, then its events registered
     * again in the order of their old ids, i.e. the order they were first registered. A task that no longer
     * exists is dropped; an event that cannot be registered (ENOSPC: its slot was taken meanwhile) is kept as
     * unrestored. Both are reported to {@code report} and in {@link #restoreReport()}.
     */
    public static Tracer restore(PtraceState saved, BreakpointService service, Machine machine,
            Consumer<String> report) {
        Tracer t = new Tracer(service, machine);
        record Pending(ThreadDebugState state, int n, PtraceState.Dr dr) {
        }
        List<Pending> pending = new ArrayList<>();
        for (PtraceState.TaskState ts : saved.tasks()) {
            String gone = gone(machine, ts.task());
            if (gone != null) {
                t.report(report, "task " + ts.task() + " dropped: " + gone);
                continue;
            }
            ThreadDebugState s = t.withSigtrap(new ThreadDebugState(ts, service));
            t.threads.put(ts.task(), s);
            if (ts.traced()) {
                t.traced.add(ts.task());
            }
            for (int n = 0; n < X86Debugreg.HBP_NUM; n++) {
                PtraceState.Dr dr = ts.drs().get(n);
                if (dr != null) {
                    pending.add(new Pending(s, n, dr));
                }
            }
        }
        pending.sort(Comparator.comparingInt(p -> p.dr().id()));
        for (Pending p : pending) {
            HwbpException e = p.state().restoreDr(p.n(), p.dr());
            if (e == null) {
                continue;
            }
            int task = p.state().task();
            if (e.errno() == Errno.ESRCH) {
                // The task exited between the check and the registration: drop it like the others.
                t.threads.remove(task);
                t.traced.remove(task);
                p.state().flush();
                t.report(report, "task " + task + " dropped: " + e.getMessage());
            } else {
                t.report(report, String.format("task %d dr%d 0x%x: not restored: %s", task, p.n(),
                        p.dr().address(), e.getMessage()));
            }
        }
        return t;
    }

    /** Why {@code task} cannot be restored (it exited, or the machine does not know it), or null. */
    private static String gone(Machine machine, int task) {
        try {
            return machine.task(task).alive() ? null : "ESRCH: task " + task + " has exited";
        } catch (HwbpException e) {
            return e.getMessage();
        }
    }

    private synchronized void report(Consumer<String> sink, String line) {
        restoreReport.add(line);
        sink.accept("ptrace: " + line);
    }

    /** What the restore of this tracer could not bring back. */
    public synchronized List<String> restoreReport() {
        return List.copyOf(restoreReport);
    }

    /**
     * Tries the task's unrestored DRs again (their slots may be free now); returns one line per DR tried,
     * {@code dr1 0x601008: restored} or {@code ...: not restored: ENOSPC: ...}.
     */
    public List<String> retry(int task) {
        ThreadDebugState s = tracee(task);
        List<String> lines = new ArrayList<>();
        List<ThreadDebugState.Unrestored> un = s.unrestored();
        for (int n = 0; n < X86Debugreg.HBP_NUM; n++) {
            ThreadDebugState.Unrestored u = un.get(n);
            if (u == null) {
                continue;
            }
            HwbpException e = s.restoreDr(n, u.dr());
            lines.add(String.format("dr%d 0x%x: %s", n, u.dr().address(),
                    e == null ? "restored" : "not restored: " + e.getMessage()));
        }
        return lines;
    }

    /** The tasks with ptrace state: id, traced or not, ptrace_dr7, stop; then the restore report. */
    public String tasks() {
        List<String> lines = new ArrayList<>();
        for (int task : union()) {
            ThreadDebugState s = threads.get(task);
            ThreadDebugState.Stop stop = s == null ? null : s.stop();
            int unrestored = 0;
            if (s != null) {
                for (ThreadDebugState.Unrestored u : s.unrestored()) {
                    unrestored += u == null ? 0 : 1;
                }
            }
            lines.add(String.format("task %d %s DR7 0x%x %s%s", task, traced.contains(task) ? "traced" : "detached",
                    s == null ? 0 : s.ptraceDr7(), stop == null ? "running" : "stopped " + stop,
                    unrestored == 0 ? "" : ", " + unrestored + " not restored"));
        }
        for (String r : restoreReport()) {
            lines.add("restore: " + r);
        }
        return lines.isEmpty() ? "no tasks" : String.join("\n", lines);
    }

    /** PTRACE_ATTACH: ESRCH for a task that does not exist or has exited, EPERM if it is traced already. */
    public void attach(int task) {
        attach(task, null);
    }

    /**
     * PTRACE_ATTACH by a debugger that waits on the tracee's stops ({@code observer}, or null). Under the same
     * monitor as {@link #taskExited}'s loss of the tracee: a task whose exit is being told either is refused
     * here (ESRCH: it is marked exited before its exit is told) or was attached, with its observer, before its
     * exit is looked at, so the observer hears of it. Apart, an exit between the attach and the observe went to
     * no one, and the debugger waited on a task that was gone.
     */
    public synchronized ThreadDebugState attach(int task, TraceeObserver observer) {
        TaskInfo t = machine.task(task);
        if (!t.alive()) {
            throw new HwbpException(Errno.ESRCH, "task " + task + " has exited");
        }
        if (!traced.add(task)) {
            throw new HwbpException(Errno.EPERM, "task " + task + " is already traced");
        }
        ThreadDebugState s = tracee(task);
        if (observer != null) {
            s.observe(observer);
        }
        return s;
    }

    /** PTRACE_DETACH: the breakpoints stay registered and keep their slots. */
    public void detach(int task) {
        tracee(task);
        traced.remove(task);
        ThreadDebugState s = threads.get(task);
        if (s != null) {
            s.resume();
        }
    }

    /** PTRACE_PEEKUSR. Only the debug-register area is modelled: the general registers give EIO. */
    public long peekUser(int task, long offset) {
        ThreadDebugState s = tracee(task);
        UserArea.checkOffset(offset);
        if (UserArea.isGeneralRegister(offset)) {
            throw notModelled(offset);
        }
        // Other fields of struct user read as 0 (arch_ptrace's "default return condition").
        return UserArea.isDebugreg(offset) ? s.getDebugreg(UserArea.debugregIndex(offset)) : 0;
    }

    /** PTRACE_POKEUSR. Writes outside the registers and debug registers give EIO, as in arch_ptrace(). */
    public void pokeUser(int task, long offset, long value) {
        ThreadDebugState s = tracee(task);
        UserArea.checkOffset(offset);
        if (UserArea.isGeneralRegister(offset)) {
            throw notModelled(offset);
        }
        if (!UserArea.isDebugreg(offset)) {
            throw new HwbpException(Errno.EIO, String.format("user-area offset %d is not writable", offset));
        }
        s.setDebugreg(UserArea.debugregIndex(offset), value);
    }

    private static HwbpException notModelled(long offset) {
        return new HwbpException(Errno.EIO, String.format(
                "user-area offset %d is a general register; only the debug registers (%d..%d) are modelled",
                offset, UserArea.DEBUGREG_0, UserArea.DEBUGREG_7));
    }

    /** waitpid(): the tracee's last stop, or null while it runs. */
    public ThreadDebugState.Stop waitFor(int task) {
        return tracee(task).stop();
    }

    /** PTRACE_CONT. */
    public void cont(int task) {
        tracee(task).resume();
    }

    /** The task's state, ESRCH unless this tracer traces it (ptrace_check_attach). */
    public ThreadDebugState tracee(int task) {
        if (!traced.contains(task)) {
            throw new HwbpException(Errno.ESRCH, "task " + task + " is not traced");
        }
        return threads.computeIfAbsent(task, t -> withSigtrap(new ThreadDebugState(t, service)));
    }

    /**
     * A SIGTRAP to a task nobody traces (its breakpoints outlive a detach, as in Linux) takes the signal's
     * default action: the task is killed (do_exit, which flushes its ptrace breakpoints).
     */
    private ThreadDebugState withSigtrap(ThreadDebugState s) {
        int task = s.task();
        s.onUntracedSigtrap(() -> {
            if (!traced.contains(task) && machine.task(task).alive()) {
                machine.exitTask(task);
            }
        });
        return s;
    }

    public boolean isTraced(int task) {
        return traced.contains(task);
    }

    /**
     * exc_debug_user(): {@code task} took a user-mode #DB ({@code dr6} positive polarity), traced or not, hit
     * by a ptrace breakpoint or any other; its virtual_dr6 restarts as dr6 & DR_STEP. A task without state has
     * a virtual_dr6 of 0, so one is made only when DR_STEP would leave something in it.
     */
    public void userDebugException(int task, long dr6) {
        ThreadDebugState s = (dr6 & Dr6.BS) == 0 ? threads.get(task)
                : threads.computeIfAbsent(task, t -> withSigtrap(new ThreadDebugState(t, service)));
        if (s != null) {
            s.userDebugException(dr6);
        }
    }

    /** do_exit(): flush_ptrace_hw_breakpoint(), and the tracer loses the tracee. */
    public void taskExited(int task) {
        ThreadDebugState s;
        TraceeObserver o = null;
        synchronized (this) {
            traced.remove(task);
            s = threads.remove(task);
            if (s != null) {
                o = s.observer();
                s.observe(null);
            }
        }
        // The flush and the observer's news outside the monitor: both call out (the core, the debugger).
        if (s != null) {
            s.flush();
            if (o != null) {
                o.exited();
            }
        }
    }

    /** The client goes away: every ptrace breakpoint it registered is unregistered. */
    public void release() {
        traced.clear();
        for (Integer task : Set.copyOf(threads.keySet())) {
            ThreadDebugState s = threads.remove(task);
            if (s != null) {
                s.flush();
                TraceeObserver o = s.observer();
                if (o != null) {
                    s.observe(null);
                    o.lost("the ptrace client's tracer went away");
                }
            }
        }
    }

    /** A multi-line report of the task's debug state for {@code ptrace:status}. */
    public String status(int task) {
        ThreadDebugState s = tracee(task);
        TaskInfo t = machine.task(task);
        StringBuilder sb = new StringBuilder();
        ThreadDebugState.Stop stop = s.stop();
        sb.append("task ").append(task).append(" (").append(t.name()).append(")")
                .append(t.cpu() >= 0 ? " on cpu " + t.cpu() : " sleeping")
                .append(", ").append(stop == null ? "not stopped" : "stopped " + stop).append('\n');
        for (int n = 0; n < X86Debugreg.HBP_NUM; n++) {
            sb.append("DR").append(n).append(' ').append(describe(s, n)).append('\n');
        }
        sb.append(String.format("DR6 0x%x (virtual_dr6 0x%x)%n", s.getDebugreg(6), s.virtualDr6()));
        sb.append(String.format("DR7 0x%x (ptrace_dr7)", s.ptraceDr7()));
        for (String line : s.log()) {
            sb.append('\n').append("log: ").append(line);
        }
        return sb.toString();
    }

    private String describe(ThreadDebugState s, int n) {
        Breakpoint bp = s.breakpoint(n);
        if (bp == null) {
            ThreadDebugState.Unrestored u = s.unrestored().get(n);
            if (u != null) {
                PtraceState.Dr d = u.dr();
                return String.format("0x%x len %d %s %s: not restored: %s", d.address(), d.length(),
                        BreakpointSpec.typeName(d.type()), d.disabled() ? "disabled" : "enabled", u.reason());
            }
            return "-";
        }
        BreakpointSpec spec = bp.spec();
        StringBuilder sb = new StringBuilder(String.format("0x%x len %d %s %s bp %d", spec.address(),
                spec.length(), BreakpointSpec.typeName(spec.type()), spec.disabled() ? "disabled" : "enabled",
                bp.id()));
        for (int cpu = 0; cpu < machine.cpus(); cpu++) {
            int slot = bp.installedSlot(cpu);
            if (slot >= 0) {
                sb.append(" installed cpu ").append(cpu).append(" slot ").append(slot);
            }
        }
        sb.append(bp.isReserved() ? " reserved" : " unreserved");
        PreemptReason why = s.preemptedReason(n);
        if (why != null) {
            sb.append(" preempted ").append(why);
        } else if (bp.isPreempted()) {
            sb.append(" preempted ").append(PreemptReason.DEBUGGER_PRIORITY);
        }
        return sb.toString();
    }
}
