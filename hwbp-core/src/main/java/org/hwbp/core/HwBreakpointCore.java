package org.hwbp.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.hwbp.api.AccessKind;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Errno;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Hit;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.PreemptReason;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.GuestSession;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.machine.TaskInfo;
import org.hwbp.api.machine.TaskListener;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.accounting.SlotAccounting;
import org.hwbp.core.claims.Dispatcher;
import org.hwbp.core.machine.Cpu;
import org.hwbp.core.machine.DebugRegisterFile;
import org.hwbp.core.x86.ArchInfo;
import org.hwbp.core.x86.BreakpointParser;
import org.hwbp.core.x86.CpuShadow;
import org.hwbp.core.x86.KernelAddressMap;

/**
 * The simulated kernel's breakpoint subsystem in one place: perf's breakpoint events on top of the
 * slot accounting (kernel/events/hw_breakpoint.c), the x86 arch layer (validation, install, #DB handler), the
 * machine (CPUs, tasks, scheduling, accesses), and the claim protocol the sandbox adds. Plain Java: the OSGi
 * components only wrap it.
 *
 * <p>Lock order: scheduler lock → a CPU's perf-context lock → that CPU's register lock. The constraint locks of
 * the accounting are never held while any of those is taken. Claims take none of them (they flip the holder
 * atomically), and no client callback runs while any lock is held.
 */
public final class HwBreakpointCore {

    /** Task state the scheduler and perf's task context keep. */
    private static final class TaskState {
        final int id;
        final String name;
        volatile boolean alive = true;
        volatile int cpu = -1;
        /** perf's task context: the task's breakpoint events in registration order. */
        final CopyOnWriteArrayList<PerfEvent> events = new CopyOnWriteArrayList<>();

        TaskState(int id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    private record ListenerReg(String bundle, HardwareListener listener, boolean guest) {
    }

    private record TaskListenerReg(String bundle, TaskListener listener) {
    }

    private final int ncpus;
    private final Cpu[] cpus;
    private final List<CpuShadow<PerfEvent>> shadows = new ArrayList<>();
    private final ReentrantLock[] perfContext;
    private final ReentrantLock schedLock = new ReentrantLock();
    private final SlotAccounting accounting;
    private final BreakpointParser parser;
    private final EventLog events = new EventLog();
    private final Dispatcher dispatcher;
    private final ConcurrentHashMap<Integer, TaskState> tasks = new ConcurrentHashMap<>();
    private final AtomicInteger nextTask = new AtomicInteger(1);
    private final AtomicLong nextSerial = new AtomicLong(1);
    private final AtomicLong nextException = new AtomicLong(1);
    private final ConcurrentSkipListMap<Long, PerfEvent> all = new ConcurrentSkipListMap<>();
    /** Breakpoints preempted by the debugger-priority policy, waiting for a slot. */
    private final Set<PerfEvent> preempted = ConcurrentHashMap.newKeySet();
    private final CopyOnWriteArrayList<ListenerReg> listeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<TaskListenerReg> taskListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger guestListeners = new AtomicInteger();
    private final AtomicReference<DebuggerClaimImpl> debuggerClaim = new AtomicReference<>();
    /**
     * Per CPU: kernel-mode #DBs between local_db_save() and local_db_restore(), when the hardware DR7 is
     * cleared on purpose; {@link #check()} does not compare such a CPU's DR7 with cpu_dr7.
     */
    private final AtomicIntegerArray inDebugException;
    private volatile Policy policy;
    /** Every CPU, as the debugger's claim reports them; built once (the claim path allocates little). */
    private final Set<Integer> allCpus;
    private final String allCpusLabel;
    private volatile long callbackTimeoutMillis;
    /** The open owners, for the snapshot of their id sequences. */
    private final Set<Owner> owners = ConcurrentHashMap.newKeySet();
    /** Set once the core's bundle began to stop: the state is captured, every request answers EBUSY. */
    private volatile boolean paused;
    /** Whether the core's bundle is stopping (OSGi sets it; plain Java never stops). */
    private volatile BooleanSupplier stopping = () -> false;
    private final AtomicReference<CoreSnapshot> suspended = new AtomicReference<>();
    /** After a restore: each owner's breakpoints from before, until the owner registers again. */
    private final ConcurrentHashMap<String, Returning> returning = new ConcurrentHashMap<>();
    /** After a restore: installs look for slot hints (never cleared; costs one key per install). */
    private volatile boolean slotHints;
    final LongAdder registrations = new LongAdder();
    final LongAdder refusals = new LongAdder();
    final LongAdder debuggerClaims = new LongAdder();
    final LongAdder guestClaims = new LongAdder();
    final LongAdder triggers = new LongAdder();

    public HwBreakpointCore(int ncpus, Policy policy, long callbackTimeoutMillis) {
        if (ncpus < 1 || ncpus > KernelAddressMap.NR_CPUS) {
            throw new HwbpException(Errno.EINVAL, "cpus must be 1.." + KernelAddressMap.NR_CPUS + ": " + ncpus);
        }
        this.ncpus = ncpus;
        Set<Integer> every = new LinkedHashSet<>();
        for (int i = 0; i < ncpus; i++) {
            every.add(i);
        }
        this.allCpus = java.util.Collections.unmodifiableSet(every);
        this.allCpusLabel = cpuList(allCpus);
        this.policy = policy;
        this.cpus = new Cpu[ncpus];
        this.perfContext = new ReentrantLock[ncpus];
        this.inDebugException = new AtomicIntegerArray(ncpus);
        for (int i = 0; i < ncpus; i++) {
            cpus[i] = new Cpu(i);
            shadows.add(new CpuShadow<>(cpus[i]));
            perfContext[i] = new ReentrantLock();
        }
        this.accounting = new SlotAccounting(ncpus, CpuShadow.HBP_NUM, true);
        this.parser = new BreakpointParser(new KernelAddressMap(ncpus), false);
        this.dispatcher = new Dispatcher(events, callbackTimeoutMillis);
        this.callbackTimeoutMillis = callbackTimeoutMillis;
    }

    private record Returning(int nextId, List<CoreSnapshot.Event> events) {
    }

    // ------------------------------------------------------------------ owners

    /** A new client scope (one per bundle). */
    public Owner openOwner(String name) {
        Owner o = new Owner(name);
        owners.add(o);
        return o;
    }

    /**
     * After a restore, the first registration of an owner named as one from before the restart takes over that
     * owner's id sequence and its list of breakpoints to come back ({@link Owner#takeReturning}).
     */
    private void adopt(Owner o) {
        if (returning.isEmpty()) {
            return;
        }
        Returning r = returning.remove(o.name());
        if (r != null) {
            o.continueIds(r.nextId);
            synchronized (o.returning) {
                o.returning.addAll(r.events);
            }
        }
    }

    /** Releases everything {@code o} owns: breakpoints, wide breakpoints, claims, guest sessions. */
    public void closeOwner(Owner o) {
        captureIfStopping();
        o.closed = true;
        owners.remove(o);
        dropReturning(o);
        DebuggerClaimImpl orphan = debuggerClaim.get();
        if (orphan != null && orphan.orphan && orphan.owner.name().equals(o.name())) {
            // The debugger's bundle went away after the restart without taking its claim back.
            orphan.release();
        }
        for (AutoCloseable hold : List.copyOf(o.holds)) {
            try {
                if (hold instanceof GuestSessionImpl g) {
                    g.abandon();
                } else {
                    hold.close();
                }
            } catch (Exception e) {
                events.fault("releasing a hold of bundle " + o.name() + " failed: " + e);
            }
        }
        for (WideEvent w : List.copyOf(o.wides)) {
            w.unregister();
        }
        for (PerfEvent e : o.sortedEvents()) {
            unregister(e);
        }
        dispatcher.close(o.name());
    }

    private void checkOpen(Owner o) {
        captureIfStopping();
        if (paused) {
            throw new HwbpException(Errno.EBUSY, "core unavailable: hwbp-core is stopping");
        }
        if (o.closed) {
            throw new HwbpException(Errno.EBUSY, "core unavailable: the service of " + o.name() + " was released");
        }
    }

    /**
     * After a request published what it made in {@code o}: if {@code o} was closed meanwhile (its bundle stopped
     * while the request was in flight), {@link #closeOwner} may have missed it, so it is undone here and the
     * request refused as if it had come after the close. Found by the reliability churn test: a registration
     * racing with its bundle's stop leaked its slot (hw_breakpoint_is_used() stayed true).
     */
    private void outlivesOwner(Owner o, Runnable undo) {
        if (o.closed) {
            undo.run();
            checkOpen(o);
        }
    }

    // ------------------------------------------------------------------ registration

    /** perf_event_open() of a breakpoint: reserve, then parse (ENOSPC wins over EINVAL), then install. */
    public PerfEvent register(Owner o, BreakpointSpec spec, BreakpointHandler handler) {
        adopt(o);
        CoreSnapshot.Event was = o.takeReturning(spec, false);
        PerfEvent ev;
        try {
            ev = create(o, spec, handler, false, was);
        } catch (HwbpException e) {
            o.giveBack(was);
            throw e;
        }
        ev.id = was != null ? was.id() : o.nextId();
        publish(o, ev);
        outlivesOwner(o, ev::unregister);
        return ev;
    }

    /** register_wide_hw_breakpoint(): one event per online CPU, all or nothing. */
    public WideEvent registerWide(Owner o, BreakpointSpec spec, BreakpointHandler handler) {
        adopt(o);
        List<PerfEvent> parts = new ArrayList<>();
        List<CoreSnapshot.Event> was = new ArrayList<>();
        try {
            for (int cpu = 0; cpu < ncpus; cpu++) {
                BreakpointSpec s = new BreakpointSpec(spec.address(), spec.length(), spec.type(), cpu,
                        BreakpointSpec.NO_TASK, spec.disabled(), spec.excludeKernel());
                was.add(o.takeReturning(s, true));
                parts.add(create(o, s, handler, true, was.get(cpu)));
            }
        } catch (HwbpException e) {
            for (PerfEvent p : parts) {
                accounting.release(p);
                p.reserved = false;
            }
            was.forEach(o::giveBack);
            throw e;
        }
        int id = was.get(0) != null ? was.get(0).id() : o.nextId();
        WideEvent wide = new WideEvent(id, parts, o);
        o.wides.add(wide);
        for (PerfEvent p : parts) {
            p.id = id;
            publish(o, p);
        }
        outlivesOwner(o, wide::unregister);
        return wide;
    }

    /** Checks the target, reserves a slot and parses; the event is not yet visible. */
    private PerfEvent create(Owner o, BreakpointSpec spec, BreakpointHandler handler, boolean widePart,
            CoreSnapshot.Event was) {
        checkOpen(o);
        try {
            if (spec.cpu() < BreakpointSpec.ANY_CPU || spec.cpu() >= ncpus) {
                throw new HwbpException(Errno.EINVAL, "no CPU " + spec.cpu() + " (0.." + (ncpus - 1) + ")");
            }
            if (spec.isTaskBound()) {
                liveTask(spec.task());
            } else if (spec.cpu() == BreakpointSpec.ANY_CPU) {
                // perf_event_alloc() refuses cpu -1 without a task before any slot accounting.
                throw new HwbpException(Errno.EINVAL, "a breakpoint needs a CPU, a task, or both");
            }
            // A breakpoint returning after a restart keeps its serial: "most recently registered" and the
            // order of hwbp:list stay what they were.
            long serial = was != null ? was.serial() : nextSerial.getAndIncrement();
            PerfEvent ev = new PerfEvent(this, serial, o, spec, null, handler, widePart);
            accounting.reserve(ev);
            ev.reserved = true;
            try {
                ev.info = parser.parse(spec, true);
            } catch (HwbpException e) {
                accounting.release(ev);
                ev.reserved = false;
                throw e;
            }
            return ev;
        } catch (HwbpException e) {
            refusals.increment();
            throw e;
        }
    }

    /**
     * Makes {@code ev} visible. Under its monitor, as {@link #unregister} runs: a close of the owner that finds it
     * in the owner's set must not unregister it before it is in every table (it would stay listed, unregistered).
     */
    private void publish(Owner o, PerfEvent ev) {
        synchronized (ev) {
            ev.registered = true;
            o.events.add(ev);
            all.put(ev.serial, ev);
            if (ev.spec.isTaskBound()) {
                TaskState t = tasks.get(ev.spec.task());
                t.events.add(ev);
            }
            registrations.increment();
            installIfRunnable(ev);
        }
    }

    /**
     * modify_user_hw_breakpoint(): the event is disabled (uninstalled), the new attributes parsed, the slot
     * re-reserved only if the type changes; on failure the old attributes stay. It is re-enabled iff the
     * resulting attributes are not disabled. Address and length changes never re-check slot capacity.
     */
    public void modify(PerfEvent ev, BreakpointSpec attrs) {
        checkOpen(ev.owner);
        synchronized (ev) {
            if (!ev.registered) {
                throw new HwbpException(Errno.ENOENT, "breakpoint " + ev.id + " is not registered");
            }
            BreakpointSpec old = ev.spec;
            BreakpointSpec next = new BreakpointSpec(attrs.address(), attrs.length(), attrs.type(), old.cpu(),
                    old.task(), attrs.disabled(), old.excludeKernel());
            uninstall(ev);
            try {
                // hw_breakpoint_parse(bp, attr, &hw) checks the new attr's exclude_kernel, but
                // hw_breakpoint_copy_attr() copies only addr, type, len and disabled: the old flag stays.
                ArchInfo info = parser.parse(next.withExcludeKernel(attrs.excludeKernel()), true);
                if (next.type() != old.type() && ev.reserved && !ev.preempted) {
                    ev.slotType = next.type();
                    try {
                        accounting.modify(ev, old.type(), next.type());
                    } catch (HwbpException e) {
                        ev.slotType = old.type();
                        throw e;
                    }
                }
                ev.spec = next;
                ev.info = info;
            } finally {
                installIfRunnable(ev);
            }
        }
    }

    /** unregister_hw_breakpoint(): uninstall, release the slot; then give preempted breakpoints a chance. */
    public void unregister(PerfEvent ev) {
        captureIfStopping();
        synchronized (ev) {
            if (!ev.registered) {
                return;
            }
            ev.registered = false;
            uninstallEverywhere(ev);
            if (ev.spec.isTaskBound()) {
                TaskState t = tasks.get(ev.spec.task());
                if (t != null) {
                    t.events.remove(ev);
                }
            }
            if (ev.reserved) {
                accounting.release(ev);
                ev.reserved = false;
            }
            ev.preempted = false;
            preempted.remove(ev);
            ev.owner.events.remove(ev);
            all.remove(ev.serial);
        }
        restorePreempted();
    }

    public boolean isUsed() {
        return accounting.isUsed();
    }

    /**
     * A registration of a breakpoint on ({@code cpu}, {@code task}) stuck "in flight": a thread of its own takes
     * the constraint locks such a registration holds (task mutex + read side for a task, write side for a
     * CPU-bound one) and keeps them until the returned handle is closed (from any thread). Meanwhile the
     * debugger's fail-fast path refuses (kgdb answers E01) and claims still complete; other registrations wait.
     */
    public AutoCloseable holdConstraintLock(int cpu, int task) {
        if (cpu < BreakpointSpec.ANY_CPU || cpu >= ncpus || (cpu == BreakpointSpec.ANY_CPU && task == Machine.IDLE)) {
            throw new HwbpException(Errno.EINVAL, "a registration in flight needs a CPU (0.." + (ncpus - 1)
                    + "), a task, or both");
        }
        BreakpointSpec s = new BreakpointSpec(0, 1, BreakpointSpec.W, cpu, task, true, false);
        PerfEvent probe = new PerfEvent(this, 0, new Owner("constraint-lock"), s, null, null, false);
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try (SlotAccounting.ConstraintLock l = accounting.lock(probe)) {
                held.countDown();
                awaitUninterruptibly(done);
            }
        }, "hwbp registration in flight");
        holder.setDaemon(true);
        holder.start();
        awaitUninterruptibly(held);
        return () -> {
            done.countDown();
            holder.join();
        };
    }

    private static void awaitUninterruptibly(java.util.concurrent.CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ perf scheduling

    private boolean runnable(PerfEvent ev, int cpu) {
        BreakpointSpec s = ev.spec;
        if (!ev.registered || !ev.reserved || ev.preempted || ev.direct || s.disabled()) {
            return false;
        }
        if (!s.isTaskBound()) {
            return s.cpu() == cpu;
        }
        return cpus[cpu].running() == s.task() && (s.cpu() < 0 || s.cpu() == cpu);
    }

    /** The CPU the event would be installed on now, or -1. */
    private int targetCpu(PerfEvent ev) {
        BreakpointSpec s = ev.spec;
        if (!s.isTaskBound()) {
            return s.cpu();
        }
        TaskState t = tasks.get(s.task());
        int cpu = t == null ? -1 : t.cpu;
        return cpu >= 0 && (s.cpu() < 0 || s.cpu() == cpu) ? cpu : -1;
    }

    private void installIfRunnable(PerfEvent ev) {
        int cpu = targetCpu(ev);
        if (cpu < 0) {
            return;
        }
        perfContext[cpu].lock();
        try {
            if (ev.installedCpu < 0 && runnable(ev, cpu)) {
                installOn(ev, cpu);
            }
        } finally {
            perfContext[cpu].unlock();
        }
    }

    /** pmu->add → arch_install_hw_breakpoint(); the caller holds the CPU's perf context. */
    private void installOn(PerfEvent ev, int cpu) {
        try {
            shadows.get(cpu).install(ev, ev.info, hintKey(ev));
            ev.installedCpu = cpu;
        } catch (HwbpException e) {
            events.add("error " + ev + " could not be installed on CPU " + cpu + ": " + e.getMessage());
        }
    }

    /**
     * The uninstall of an event just marked unregistered. A context switch (or another install path) may have
     * found it runnable under a CPU's perf context just before and be installing it now, so every CPU's context
     * is taken once: after that no install can still be under way, and the event is removed wherever it went.
     * Found by the reliability churn test (an unregistered event stayed in a slot: a leaked slot).
     */
    private void uninstallEverywhere(PerfEvent ev) {
        for (int cpu = 0; cpu < ncpus; cpu++) {
            uninstallFrom(ev, cpu);
        }
    }

    /** pmu->del → arch_uninstall_hw_breakpoint(). */
    private void uninstall(PerfEvent ev) {
        int cpu = ev.installedCpu;
        if (cpu >= 0) {
            uninstallFrom(ev, cpu);
        }
    }

    /** Uninstalls {@code ev} from {@code cpu} under that CPU's perf context, if it is installed there. */
    private void uninstallFrom(PerfEvent ev, int cpu) {
        perfContext[cpu].lock();
        try {
            if (ev.installedCpu == cpu) {
                shadows.get(cpu).uninstall(ev);
                ev.installedCpu = -1;
            }
        } finally {
            perfContext[cpu].unlock();
        }
    }

    int slotOf(PerfEvent ev, int cpu) {
        return shadows.get(cpu).slotOf(ev);
    }

    // ------------------------------------------------------------------ debugger path

    /** dbg_reserve_bp_slot(), with the debugger-priority policy's preemption when it does not fit. */
    public void dbgReserve(PerfEvent ev) {
        checkOpen(ev.owner);
        ev.owner.debugger = true;
        if (ev.reserved) {
            return;
        }
        List<PerfEvent> victims = new ArrayList<>();
        accounting.runUnlessLocked(ev, () -> {
            if (policy == Policy.DEBUGGER_PRIORITY && !ev.spec.isTaskBound()) {
                while (!accounting.fitsLocked(ev)) {
                    PerfEvent victim = newestPreemptible(ev.spec.cpu());
                    if (victim == null) {
                        break;
                    }
                    accounting.releaseLocked(victim);
                    victim.reserved = false;
                    victim.preempted = true;
                    preempted.add(victim);
                    victims.add(victim);
                }
            }
            try {
                accounting.reserveLocked(ev);
            } catch (HwbpException e) {
                for (PerfEvent v : victims) {
                    accounting.reserveLocked(v);
                    v.reserved = true;
                    v.preempted = false;
                    preempted.remove(v);
                }
                victims.clear();
                throw e;
            }
        });
        ev.reserved = true;
        for (PerfEvent v : victims) {
            uninstall(v);
            events.add("preempt " + v + " reason=DEBUGGER_PRIORITY by " + ev.owner.name());
            dispatcher.deliver(v.owner.name(), "preempted", () -> v.handler.preempted(v, PreemptReason.DEBUGGER_PRIORITY));
        }
    }

    /** The most recently registered reservation of a non-debugger owner that takes a slot on {@code cpu}. */
    private PerfEvent newestPreemptible(int cpu) {
        for (PerfEvent e : all.descendingMap().values()) {
            if (e.reserved && !e.preempted && e.registered && !e.owner.debugger
                    && (e.spec.cpu() == cpu || (e.spec.isTaskBound() && e.spec.cpu() < 0))) {
                return e;
            }
        }
        return null;
    }

    /** dbg_release_bp_slot(). */
    public void dbgRelease(PerfEvent ev) {
        checkOpen(ev.owner);
        ev.owner.debugger = true;
        if (!ev.reserved) {
            return;
        }
        accounting.runUnlessLocked(ev, () -> accounting.releaseLocked(ev));
        ev.reserved = false;
        restorePreempted();
    }

    /**
     * Gives every preempted breakpoint its reservation back if it fits now, oldest first, and tells it. Uses
     * the fail-fast path, so it never waits; what cannot be done now is retried at the next release.
     */
    private void restorePreempted() {
        if (preempted.isEmpty()) {
            return;
        }
        List<PerfEvent> waiting = preempted.stream().sorted(Comparator.comparingLong(e -> e.serial)).toList();
        for (PerfEvent e : waiting) {
            AtomicBoolean ok = new AtomicBoolean();
            try {
                accounting.runUnlessLocked(e, () -> {
                    if (e.preempted && e.registered && accounting.fitsLocked(e)) {
                        accounting.reserveLocked(e);
                        e.reserved = true;
                        e.preempted = false;
                        preempted.remove(e);
                        ok.set(true);
                    }
                });
            } catch (HwbpException busy) {
                return;
            }
            if (ok.get()) {
                installIfRunnable(e);
                events.add("restore " + e + " reason=DEBUGGER_PRIORITY");
                dispatcher.deliver(e.owner.name(), "restored", () -> e.handler.restored(e));
            }
        }
    }

    /** kgdb_correct_hw_break(): copies the attributes into the event and installs it directly. */
    public void debuggerInstall(PerfEvent ev, long address, int length, int type) {
        checkOpen(ev.owner);
        if (ev.spec.isTaskBound()) {
            throw new HwbpException(Errno.EINVAL, "the debugger installs CPU-bound events only");
        }
        BreakpointSpec next = new BreakpointSpec(address, length, type, ev.spec.cpu(), BreakpointSpec.NO_TASK,
                ev.spec.disabled(), ev.spec.excludeKernel());
        // kgdb_correct_hw_break() writes address, length and type into the arch info without validation
        // (kgdb_set_hw_break checked the length); only the encoding is derived here.
        ArchInfo info = BreakpointParser.encode(next);
        int cpu = ev.spec.cpu();
        perfContext[cpu].lock();
        try {
            if (ev.installedCpu >= 0) {
                shadows.get(cpu).uninstall(ev);
                ev.installedCpu = -1;
            }
            ev.spec = next;
            ev.info = info;
            ev.direct = true;
            shadows.get(cpu).install(ev, info, hintKey(ev));
            ev.installedCpu = cpu;
        } finally {
            perfContext[cpu].unlock();
        }
    }

    /** arch_uninstall_hw_breakpoint() of a directly installed event (kgdb_disable_hw_debug, kgdb_remove_all_hw_break). */
    public void debuggerUninstall(PerfEvent ev) {
        captureIfStopping();
        uninstall(ev);
        ev.direct = false;
    }

    /** kgdb_cpu_enter on every CPU: the holder of every CPU becomes DEBUGGER, without waiting for any lock. */
    public DebuggerClaim claimAllCpus(Owner o) {
        checkOpen(o);
        o.debugger = true;
        DebuggerClaimImpl orphan = debuggerClaim.get();
        if (orphan != null && orphan.orphan && orphan.owner.name().equals(o.name())) {
            // The debugger held the machine when the core stopped: its bundle takes the kept claim back, the
            // CPUs stay held (no second "claimed").
            DebuggerClaimImpl adopted = new DebuggerClaimImpl(o, false);
            if (debuggerClaim.compareAndSet(orphan, adopted)) {
                o.holds.add(adopted);
                events.add("claim cpus=" + cpuList(adopted.cpus()) + " holder=DEBUGGER bundle=" + o.name()
                        + " (kept across the core's restart)");
                return adopted;
            }
        }
        DebuggerClaimImpl claim = new DebuggerClaimImpl(o, false);
        if (!debuggerClaim.compareAndSet(null, claim)) {
            throw new HwbpException(Errno.EBUSY, "the debugger already holds the machine");
        }
        for (Cpu c : cpus) {
            c.setHolder(Holder.DEBUGGER);
        }
        for (Cpu c : cpus) {
            // kgdb_disable_hw_debug(): DR7 ← 0x400 on every CPU entering the debugger, shadows untouched.
            c.requestDisable();
        }
        debuggerClaims.increment();
        o.holds.add(claim);
        outlivesOwner(o, claim::release);
        Set<Integer> all = claim.cpus();
        events.add("claim cpus=" + allCpusLabel + " holder=DEBUGGER bundle=" + o.name());
        notifyClaimed(all, Holder.DEBUGGER, false);
        for (Cpu c : cpus) {
            CpuShadow<PerfEvent> sh = shadows.get(c.index());
            for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
                PerfEvent ev = sh.owner(slot);
                if (ev != null && ev.owner != o) {
                    claim.preempted.add(ev);
                    events.add("preempt " + ev + " reason=DEBUGGER_CLAIM cpu " + c.index());
                    dispatcher.deliver(ev.owner.name(), "preempted",
                            () -> ev.handler.preempted(ev, PreemptReason.DEBUGGER_CLAIM));
                }
            }
        }
        return claim;
    }

    private final class DebuggerClaimImpl implements DebuggerClaim, AutoCloseable {
        private final Owner owner;
        /** Restored from a snapshot, waiting for its bundle to claim again. */
        final boolean orphan;
        private final AtomicBoolean active = new AtomicBoolean(true);
        final Set<PerfEvent> preempted = new LinkedHashSet<>();

        DebuggerClaimImpl(Owner owner, boolean orphan) {
            this.owner = owner;
            this.orphan = orphan;
        }

        @Override
        public Set<Integer> cpus() {
            return allCpus;
        }

        @Override
        public boolean isActive() {
            return active.get();
        }

        @Override
        public void release() {
            captureIfStopping();
            if (!active.compareAndSet(true, false)) {
                return;
            }
            for (Cpu c : cpus) {
                c.lock().lock();
                try {
                    shadows.get(c.index()).restoreLocked();
                    c.setHolder(Holder.HOST);
                    c.takeShadowChanged();
                } finally {
                    c.unlockAndApplyPending();
                }
            }
            debuggerClaim.compareAndSet(this, null);
            owner.holds.remove(this);
            Set<Integer> all = cpus();
            for (PerfEvent ev : preempted) {
                if (ev.registered && ev.installedCpu >= 0) {
                    events.add("restore " + ev + " reason=DEBUGGER_CLAIM");
                    dispatcher.deliver(ev.owner.name(), "restored", () -> ev.handler.restored(ev));
                }
            }
            events.add("release cpus=" + allCpusLabel + " holder=DEBUGGER bundle=" + owner.name());
            notifyReleased(all, Holder.DEBUGGER, false);
            restorePreempted();
        }

        @Override
        public void close() {
            release();
        }
    }

    public Holder holder(int cpu) {
        return cpu(cpu).holder();
    }

    /** Whether the debugger holds the machine. */
    public boolean debuggerActive() {
        return debuggerClaim.get() != null;
    }

    // ------------------------------------------------------------------ guests

    /** A guest claim of one CPU for one VM entry; refused while the debugger (or another guest) holds it. */
    public GuestSession enterGuest(Owner o, int cpu, int vm, int vcpu) {
        checkOpen(o);
        Cpu c = cpu(cpu);
        Holder g = Holder.guest(vm, vcpu);
        if (!c.transferHolder(Holder.HOST, g)) {
            throw new HwbpException(Errno.EBUSY, "CPU " + cpu + " is held by " + c.holder());
        }
        guestClaims.increment();
        GuestSessionImpl s = new GuestSessionImpl(o, c, g);
        o.holds.add(s);
        outlivesOwner(o, s::abandon);
        if (guestInterest(cpu)) {
            Set<Integer> one = Set.of(cpu);
            events.add("claim cpus=" + cpu + " holder=" + g + " bundle=" + o.name());
            notifyClaimed(one, g, true);
            for (PerfEvent ev : installedOn(cpu)) {
                if (ev.handler.wantsGuestClaims()) {
                    dispatcher.deliver(ev.owner.name(), "preempted",
                            () -> ev.handler.preempted(ev, PreemptReason.GUEST_CLAIM));
                }
            }
        }
        return s;
    }

    /** Whether anybody wants to hear of a guest entry on {@code cpu}: kept cheap, this is the VM-entry path. */
    private boolean guestInterest(int cpu) {
        if (guestListeners.get() > 0) {
            return true;
        }
        CpuShadow<PerfEvent> sh = shadows.get(cpu);
        for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
            PerfEvent ev = sh.owner(slot);
            if (ev != null && ev.handler.wantsGuestClaims()) {
                return true;
            }
        }
        return false;
    }

    private List<PerfEvent> installedOn(int cpu) {
        List<PerfEvent> l = new ArrayList<>();
        CpuShadow<PerfEvent> sh = shadows.get(cpu);
        for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
            PerfEvent ev = sh.owner(slot);
            if (ev != null) {
                l.add(ev);
            }
        }
        return l;
    }

    private final class GuestSessionImpl implements GuestSession {
        private final Owner owner;
        private final Cpu cpu;
        private final Holder holder;
        private final AtomicBoolean open = new AtomicBoolean(true);

        GuestSessionImpl(Owner owner, Cpu cpu, Holder holder) {
            this.owner = owner;
            this.cpu = cpu;
            this.holder = holder;
        }

        @Override
        public int cpu() {
            return cpu.index();
        }

        @Override
        public Holder holder() {
            return holder;
        }

        @Override
        public DebugRegisters registers() {
            return HwBreakpointCore.this.registers(cpu.index());
        }

        @Override
        public void vmEntry(long guestDr7) {
            if (cpu.holder().equals(holder)) {
                cpu.registers().hardwareSet(7, guestDr7);
            }
        }

        @Override
        public long guestAccess(long address, int length, AccessKind kind) {
            return cpu.holder().equals(holder) ? match(cpu.registers(), address, length, kind) : 0;
        }

        @Override
        public void vmExit() {
            if (cpu.holder().equals(holder)) {
                cpu.registers().hardwareSet(7, DebugRegisterFile.DR7_RESET);
            }
        }

        @Override
        public void close() {
            end(false);
        }

        /**
         * The owner went away with the vCPU still in the guest (its bundle stopped mid-run): the host gets its
         * registers back from the shadows if it has active breakpoints, as KVM's exit path would have done.
         */
        void abandon() {
            end(true);
        }

        private void end(boolean abandoned) {
            captureIfStopping();
            if (!open.compareAndSet(true, false)) {
                return;
            }
            cpu.lock().lock();
            try {
                // Linux runs the guest with IRQs off, so an install aimed at this CPU waits for the exit; here
                // it moved only the shadows, and the hardware catches up now.
                CpuShadow<PerfEvent> sh = shadows.get(cpu.index());
                if (cpu.transferHolder(holder, Holder.HOST)
                        && (cpu.takeShadowChanged() || (abandoned && sh.active()))) {
                    sh.restoreLocked();
                }
            } finally {
                cpu.unlockAndApplyPending();
            }
            owner.holds.remove(this);
            if (guestInterest(cpu.index())) {
                for (PerfEvent ev : installedOn(cpu.index())) {
                    if (ev.handler.wantsGuestClaims()) {
                        dispatcher.deliver(ev.owner.name(), "restored", () -> ev.handler.restored(ev));
                    }
                }
                events.add("release cpus=" + cpu.index() + " holder=" + holder + " bundle=" + owner.name());
                notifyReleased(Set.of(cpu.index()), holder, true);
            }
        }
    }

    // ------------------------------------------------------------------ listeners

    public void addListener(String bundle, HardwareListener l, boolean guestEvents) {
        listeners.add(new ListenerReg(bundle, l, guestEvents));
        if (guestEvents) {
            guestListeners.incrementAndGet();
        }
    }

    public void removeListener(HardwareListener l) {
        for (ListenerReg r : listeners) {
            if (r.listener == l && listeners.remove(r) && r.guest) {
                guestListeners.decrementAndGet();
            }
        }
    }

    public void addTaskListener(String bundle, TaskListener l) {
        taskListeners.add(new TaskListenerReg(bundle, l));
    }

    public void removeTaskListener(TaskListener l) {
        taskListeners.removeIf(r -> r.listener == l);
    }

    private void notifyClaimed(Set<Integer> cpuSet, Holder h, boolean guest) {
        for (ListenerReg r : listeners) {
            if (!guest || r.guest) {
                dispatcher.deliver(r.bundle, "claimed", () -> r.listener.claimed(cpuSet, h));
            }
        }
    }

    private void notifyReleased(Set<Integer> cpuSet, Holder h, boolean guest) {
        for (ListenerReg r : listeners) {
            if (!guest || r.guest) {
                dispatcher.deliver(r.bundle, "released", () -> r.listener.released(cpuSet, h));
            }
        }
    }

    // ------------------------------------------------------------------ machine

    public int cpus() {
        return ncpus;
    }

    private Cpu cpu(int cpu) {
        if (cpu < 0 || cpu >= ncpus) {
            throw new HwbpException(Errno.EINVAL, "no CPU " + cpu + " (0.." + (ncpus - 1) + ")");
        }
        return cpus[cpu];
    }

    public int createTask(String name) {
        captureIfStopping();
        int id = nextTask.getAndIncrement();
        tasks.put(id, new TaskState(id, name == null || name.isBlank() ? "task" + id : name));
        return id;
    }

    private TaskState liveTask(int id) {
        TaskState t = tasks.get(id);
        if (t == null || !t.alive) {
            throw new HwbpException(Errno.ESRCH, "no such task " + id);
        }
        return t;
    }

    public TaskInfo task(int id) {
        TaskState t = tasks.get(id);
        if (t == null) {
            throw new HwbpException(Errno.ESRCH, "no such task " + id);
        }
        return info(t);
    }

    private static TaskInfo info(TaskState t) {
        return new TaskInfo(t.id, t.name, t.alive, t.cpu);
    }

    public List<TaskInfo> tasks() {
        return tasks.values().stream().sorted(Comparator.comparingInt(t -> t.id)).map(HwBreakpointCore::info).toList();
    }

    /** do_exit(): the task leaves its CPU and is gone; TaskListeners (ptrace's flush) are told. */
    public void exitTask(int id) {
        captureIfStopping();
        TaskState t = liveTask(id);
        schedLock.lock();
        try {
            if (t.cpu >= 0) {
                schedule(t.cpu, Machine.IDLE);
            }
            t.alive = false;
        } finally {
            schedLock.unlock();
        }
        for (TaskListenerReg r : taskListeners) {
            dispatcher.deliver(r.bundle, "taskExited", () -> r.listener.taskExited(id));
        }
    }

    /** Context switch on {@code cpu}: perf schedules the old task's events out and the new task's in. */
    public void switchTo(int cpu, int task) {
        captureIfStopping();
        cpu(cpu);
        schedLock.lock();
        try {
            if (task != Machine.IDLE) {
                TaskState t = liveTask(task);
                if (t.cpu >= 0 && t.cpu != cpu) {
                    schedule(t.cpu, Machine.IDLE);
                }
            }
            schedule(cpu, task);
        } finally {
            schedLock.unlock();
        }
    }

    /** The caller holds the scheduler lock. */
    private void schedule(int cpu, int task) {
        perfContext[cpu].lock();
        try {
            int old = cpus[cpu].running();
            if (old == task) {
                return;
            }
            if (old != Machine.IDLE) {
                TaskState o = tasks.get(old);
                for (PerfEvent ev : o.events) {
                    if (ev.installedCpu == cpu) {
                        shadows.get(cpu).uninstall(ev);
                        ev.installedCpu = -1;
                    }
                }
                o.cpu = -1;
            }
            cpus[cpu].setRunning(task);
            if (task != Machine.IDLE) {
                TaskState t = tasks.get(task);
                t.cpu = cpu;
                for (PerfEvent ev : t.events) {
                    if (ev.installedCpu < 0 && runnable(ev, cpu)) {
                        installOn(ev, cpu);
                    }
                }
            }
        } finally {
            perfContext[cpu].unlock();
        }
    }

    public int running(int cpu) {
        return cpu(cpu).running();
    }

    /**
     * A memory access or instruction fetch on {@code cpu}. If it matches an enabled breakpoint of the
     * hardware DR7, the hardware sets DR6's Bi bits and raises #DB: exc_debug reads and resets DR6 (and in
     * kernel mode saves and clears DR7, local_db_save), then hw_breakpoint_handler() dispatches per slot.
     */
    public AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode) {
        Cpu c = cpu(cpu);
        if (length != 1 && length != 2 && length != 4 && length != 8) {
            throw new HwbpException(Errno.EINVAL, "access length must be 1, 2, 4 or 8: " + length);
        }
        int task = c.running();
        if (!kernelMode && task == Machine.IDLE) {
            throw new HwbpException(Errno.EINVAL, "CPU " + cpu + " runs no task; a user access needs one (or --kernel)");
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
            return AccessResult.NO_TRAP;
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
        List<String> lines = handle(cpu, task, address, length, kind, kernelMode, Dr6.toPositive(dr6), exception);
        if (savedDr7 != 0) {
            c.lock().lock();
            try {
                // local_db_restore(); only if the host still holds the hardware. Linux writes back the saved
                // DR7, which is cpu_dr7: no install or uninstall can reach this CPU while its #DB runs. Here
                // one can (from another thread, during the handlers), so cpu_dr7 as it is now is written.
                if (c.hostHoldsHardware()) {
                    regs.write(7, shadows.get(cpu).dr7());
                }
                inDebugException.decrementAndGet(cpu);
            } finally {
                c.unlockAndApplyPending();
            }
        }
        return new AccessResult(true, dr6, lines);
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
        long remaining = dr6;
        CpuShadow<PerfEvent> sh = shadows.get(cpu);
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
            remaining &= ~Dr6.trap(i);
            String rf = info.isExecute() ? " RF" : "";
            if (bp.spec.excludeKernel() && kernelMode) {
                lines.add("slot " + i + ": " + bp + " not delivered (exclude_kernel, kernel-mode access)" + rf);
                continue;
            }
            Hit hit = new Hit(cpu, task, address, length, kind, kernelMode, i, dr6, exception);
            triggers.increment();
            events.add("trigger " + bp + " cpu " + cpu + " slot " + i + String.format(" addr 0x%x", address));
            dispatcher.deliver(bp.owner.name(), "triggered", () -> bp.handler.triggered(bp, hit));
            lines.add("slot " + i + ": " + bp + " " + bp.target() + " triggered" + rf);
        }
        return lines;
    }

    /** The narrow per-CPU register access for KVM and kgdb; every MOV counted. */
    public DebugRegisters registers(int cpu) {
        Cpu c = cpu(cpu);
        CpuShadow<PerfEvent> sh = shadows.get(cpu);
        return new DebugRegisters() {
            @Override
            public int cpu() {
                return cpu;
            }

            @Override
            public long read(int dr) {
                return c.registers().read(dr);
            }

            @Override
            public void write(int dr, long value) {
                c.registers().write(dr, value);
            }

            @Override
            public boolean hwBreakpointActive() {
                return sh.active();
            }

            @Override
            public void hwBreakpointRestore() {
                sh.restore();
            }

            @Override
            public long shadowDr7() {
                return sh.dr7();
            }

            @Override
            public long shadowAddress(int i) {
                return sh.address(i);
            }

            @Override
            public long reads() {
                return c.registers().reads();
            }

            @Override
            public long writes() {
                return c.registers().writes();
            }
        };
    }

    // ------------------------------------------------------------------ introspection

    public Policy policy() {
        return policy;
    }

    public void setPolicy(Policy p) {
        this.policy = p;
        restorePreempted();
    }

    public void setCallbackTimeoutMillis(long ms) {
        callbackTimeoutMillis = ms;
        dispatcher.setTimeoutMillis(ms);
    }

    public EventLog events() {
        return events;
    }

    /** Every registered breakpoint, in registration order. */
    public List<PerfEvent> breakpoints() {
        return List.copyOf(all.values());
    }

    public long[] hardware(int cpu) {
        return cpu(cpu).registers().snapshot();
    }

    public CpuShadow<PerfEvent> shadow(int cpu) {
        cpu(cpu);
        return shadows.get(cpu);
    }

    /** Slots the accounting reserves on {@code cpu} in the worst case. */
    public int slotsInUse(int cpu) {
        return accounting.pinnedOn(cpu(cpu).index());
    }

    /** The event counters {@code hwbp:stats} shows, since start or the last {@link #resetCounters()}. */
    public record Counters(long registrations, long refusals, long debuggerClaims, long guestClaims, long triggers) {
    }

    public Counters counters() {
        return new Counters(registrations.sum(), refusals.sum(), debuggerClaims.sum(), guestClaims.sum(),
                triggers.sum());
    }

    public void resetCounters() {
        for (Cpu c : cpus) {
            c.registers().resetCounters();
        }
        registrations.reset();
        refusals.reset();
        debuggerClaims.reset();
        guestClaims.reset();
        triggers.reset();
    }

    /**
     * Product §8 invariants 1–3, checked now; safe while other threads work (the accounting is recounted under
     * its write lock, each CPU's slots under its perf-context and register locks). When nothing is in flight it
     * also checks that the events the core believes reserved are exactly those the accounting holds.
     * Empty when they hold.
     */
    public List<String> check() {
        List<String> problems = new ArrayList<>(accounting.verify());
        for (Cpu c : cpus) {
            CpuShadow<PerfEvent> sh = shadows.get(c.index());
            perfContext[c.index()].lock();
            c.lock().lock();
            try {
                Set<PerfEvent> seen = new LinkedHashSet<>();
                for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
                    PerfEvent ev = sh.owner(slot);
                    if (ev != null && (!seen.add(ev) || ev.installedCpu != c.index())) {
                        problems.add("CPU " + c.index() + " slot " + slot + " owner " + ev + " is inconsistent");
                    }
                }
                if (c.hostHoldsHardware() && inDebugException.get(c.index()) == 0) {
                    checkHardware(c, sh, problems);
                }
            } finally {
                c.lock().unlock();
                perfContext[c.index()].unlock();
            }
        }
        return problems;
    }

    /** Invariant 3: enable bits, R/W-LEN of enabled slots and their addresses equal the shadows. */
    private static void checkHardware(Cpu c, CpuShadow<PerfEvent> sh, List<String> problems) {
        long hw = c.registers().peek(7);
        long shadowDr7 = sh.dr7();
        for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
            long bits = Dr7.localEnable(slot) | Dr7.globalEnable(slot);
            if ((hw & bits) != (shadowDr7 & bits)) {
                problems.add(String.format("CPU %d DR7 0x%x differs from cpu_dr7 0x%x in slot %d",
                        c.index(), hw, shadowDr7, slot));
            } else if ((shadowDr7 & bits) != 0) {
                if ((hw & Dr7.controlMask(slot)) != (shadowDr7 & Dr7.controlMask(slot))) {
                    problems.add("CPU " + c.index() + " DR7 R/W-LEN of slot " + slot + " differs from cpu_dr7");
                }
                if (c.registers().peek(slot) != sh.address(slot)) {
                    problems.add("CPU " + c.index() + " DR" + slot + " differs from cpu_debugreg");
                }
            }
        }
    }

    /**
     * {@link #check()} plus, for a quiet moment (no registration in flight), the core's own view: the events it
     * marks reserved are exactly those the accounting holds.
     */
    public List<String> checkQuiescent() {
        List<String> problems = check();
        Collection<PerfEvent> reserved = all.values().stream().filter(e -> e.reserved).toList();
        problems.addAll(accounting.verify(reserved));
        return problems;
    }

    // ------------------------------------------------------------------ pause and resume (a restart of the core)

    /** What a slot hint names: the event of {@code owner} with owner-scoped {@code id}. */
    private record SlotKey(String owner, int id) {
    }

    private Object hintKey(PerfEvent ev) {
        return slotHints ? new SlotKey(ev.owner.name(), ev.id) : null;
    }

    /** The returning breakpoints {@code o} did not bring back will not come: their slots are free for anyone. */
    private void dropReturning(Owner o) {
        List<SlotKey> gone;
        synchronized (o.returning) {
            gone = o.returning.stream().map(e -> new SlotKey(e.owner(), e.id())).toList();
            o.returning.clear();
        }
        if (!gone.isEmpty()) {
            for (CpuShadow<PerfEvent> sh : shadows) {
                sh.dropHints(gone::contains);
            }
        }
    }

    /**
     * The core's bundle is stopping (stop, update, or the framework's shutdown): from now on every request
     * answers EBUSY, and the state is captured once, before the bundle-scoped services close their owners'
     * scopes (which unregisters their breakpoints and moves the registers). Idempotent: the first caller
     * captures, later ones get the same snapshot.
     */
    /**
     * How the core learns that its bundle began to stop. When it stops, DS unregisters the core's services one
     * by one, and each unregistration makes the clients release what they hold (their unbind methods unregister
     * breakpoints, and the service factories close the scopes) before any of this bundle's own components is
     * told; so every path that changes the machine asks first, and the first change after the stop began
     * captures the state as it was ({@link #suspend()}).
     */
    public void setStoppingProbe(BooleanSupplier probe) {
        this.stopping = probe;
    }

    private void captureIfStopping() {
        if (!paused && stopping.getAsBoolean()) {
            suspend();
        }
    }

    public CoreSnapshot suspend() {
        paused = true;
        CoreSnapshot s = suspended.get();
        if (s == null) {
            suspended.compareAndSet(null, capture());
            s = suspended.get();
        }
        return s;
    }

    private CoreSnapshot capture() {
        List<CoreSnapshot.Task> ts = tasks.values().stream().sorted(Comparator.comparingInt(t -> t.id))
                .map(t -> new CoreSnapshot.Task(t.id, t.name, t.alive, t.cpu)).toList();
        List<CoreSnapshot.Event> evs = new ArrayList<>();
        for (PerfEvent e : all.values()) {
            if (e.registered) {
                evs.add(new CoreSnapshot.Event(e.owner.name(), e.id, e.widePart, e.serial, e.spec));
            }
        }
        Map<String, Integer> nextIds = new LinkedHashMap<>();
        for (Owner o : owners) {
            nextIds.merge(o.name(), o.peekNextId(), Math::max);
            synchronized (o.returning) {
                evs.addAll(o.returning);
            }
        }
        // Owners that had not come back since the previous restart keep their place for the next one.
        for (Map.Entry<String, Returning> r : returning.entrySet()) {
            nextIds.merge(r.getKey(), r.getValue().nextId, Math::max);
            evs.addAll(r.getValue().events);
        }
        evs.sort(Comparator.comparingLong(CoreSnapshot.Event::serial));
        List<CoreSnapshot.CpuState> states = new ArrayList<>();
        for (Cpu c : cpus) {
            CpuShadow<PerfEvent> sh = shadows.get(c.index());
            perfContext[c.index()].lock();
            c.lock().lock();
            try {
                long[] hw = c.registers().snapshot();
                long[] debugreg = new long[CpuShadow.HBP_NUM];
                String[] slotOwner = new String[CpuShadow.HBP_NUM];
                int[] slotId = new int[CpuShadow.HBP_NUM];
                for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
                    debugreg[slot] = sh.address(slot);
                    PerfEvent ev = sh.owner(slot);
                    if (ev != null) {
                        slotOwner[slot] = ev.owner.name();
                        slotId[slot] = ev.id;
                    } else if (sh.hint(slot) instanceof SlotKey k) {
                        slotOwner[slot] = k.owner;
                        slotId[slot] = k.id;
                    }
                }
                Holder h = c.holder();
                boolean debugger = h.kind() == Holder.Kind.DEBUGGER;
                if (!h.isHost() && !debugger) {
                    // A guest held the CPU: its bundle's session is abandoned as the core stops, and the host
                    // gets its registers back from the shadows (hw_breakpoint_restore); that is what is kept.
                    System.arraycopy(debugreg, 0, hw, 0, CpuShadow.HBP_NUM);
                    hw[6] = Dr6.RESET;
                    hw[7] = sh.dr7();
                }
                states.add(new CoreSnapshot.CpuState(hw, c.registers().reads(), c.registers().writes(), sh.dr7(),
                        debugreg, slotOwner, slotId, debugger, c.running()));
            } finally {
                c.lock().unlock();
                perfContext[c.index()].unlock();
            }
        }
        DebuggerClaimImpl claim = debuggerClaim.get();
        return new CoreSnapshot(ncpus, policy.label(), callbackTimeoutMillis, nextTask.get(), nextSerial.get(),
                claim == null ? null : claim.owner.name(), nextIds, ts, evs, states);
    }

    /**
     * Loads {@code s} into this fresh core (no task, nothing registered) before it is published: tasks and the
     * CPUs they run on, the task id and serial sequences, per CPU the hardware registers and their counters, the
     * shadows with a slot hint per slot occupied before ({@link CpuShadow#restoreState}), the holders, and the
     * debugger's claim, kept until its bundle claims again or goes away. The owners then register again, in any
     * order: a registration matching one from before gets its id, serial and physical slot back, so that once
     * all are back every CPU's registers are what they were. EINVAL for another CPU count (that is a reboot).
     */
    public void restore(CoreSnapshot s) {
        if (s.cpus != ncpus) {
            throw new HwbpException(Errno.EINVAL, "snapshot of " + s.cpus + " CPUs, machine of " + ncpus);
        }
        if (!tasks.isEmpty() || !all.isEmpty()) {
            throw new HwbpException(Errno.EBUSY, "only a fresh core can be restored");
        }
        for (CoreSnapshot.Task t : s.tasks) {
            TaskState st = new TaskState(t.id(), t.name());
            st.alive = t.alive();
            st.cpu = t.cpu();
            tasks.put(t.id(), st);
        }
        nextTask.set(s.nextTask);
        nextSerial.set(s.nextSerial);
        slotHints = true;
        for (int i = 0; i < ncpus; i++) {
            CoreSnapshot.CpuState st = s.cpuStates.get(i);
            Object[] hints = new Object[CpuShadow.HBP_NUM];
            long occupied = 0;
            for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
                if (st.slotOwner()[slot] != null) {
                    hints[slot] = new SlotKey(st.slotOwner()[slot], st.slotId()[slot]);
                    occupied |= Dr7.globalEnable(slot) | Dr7.controlMask(slot);
                }
            }
            long[] hw = st.hardware().clone();
            if (!st.debuggerHolds()) {
                // The host's DR7 as after uninstalling every occupant; their installs set the bits again.
                hw[7] &= ~occupied;
            }
            cpus[i].setRunning(st.running());
            cpus[i].registers().restore(hw, st.reads(), st.writes());
            shadows.get(i).restoreState(st.cpuDr7(), st.debugreg(), hints);
            if (st.debuggerHolds()) {
                cpus[i].setHolder(Holder.DEBUGGER);
            }
        }
        Map<String, List<CoreSnapshot.Event>> byOwner = new LinkedHashMap<>();
        for (CoreSnapshot.Event e : s.events) {
            byOwner.computeIfAbsent(e.owner(), k -> new ArrayList<>()).add(e);
        }
        Set<String> names = new LinkedHashSet<>(s.nextIds.keySet());
        names.addAll(byOwner.keySet());
        for (String name : names) {
            returning.put(name, new Returning(s.nextIds.getOrDefault(name, 1), byOwner.getOrDefault(name, List.of())));
        }
        if (s.debuggerOwner != null) {
            debuggerClaim.set(new DebuggerClaimImpl(new Owner(s.debuggerOwner), true));
        }
    }

    /**
     * The breakpoints {@code owner} had before the restart and has not registered again, in registration order
     * (a wide breakpoint once per CPU): what an owner without state of its own, the shell, registers again.
     */
    public List<CoreSnapshot.Event> returningEvents(String owner) {
        Returning r = returning.get(owner);
        return r == null ? List.of() : r.events;
    }

    /** Stops the callback threads. */
    public void shutdown() {
        dispatcher.closeAll();
    }

    static String cpuList(Set<Integer> cpuSet) {
        List<Integer> l = new ArrayList<>(cpuSet);
        if (l.size() > 1 && l.get(l.size() - 1) - l.get(0) == l.size() - 1) {
            return l.get(0) + "-" + l.get(l.size() - 1);
        }
        StringBuilder sb = new StringBuilder();
        for (int c : l) {
            sb.append(sb.length() == 0 ? "" : ",").append(c);
        }
        return sb.toString();
    }
}
