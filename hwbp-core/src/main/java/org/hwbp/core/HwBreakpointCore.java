package org.hwbp.core;

import java.util.List;
import java.util.function.BooleanSupplier;
import org.hwbp.api.AccessKind;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Errno;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.api.machine.DebugExceptionListener;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.GuestSession;
import org.hwbp.api.machine.TaskInfo;
import org.hwbp.api.machine.TaskListener;
import org.hwbp.core.accounting.SlotAccounting;
import org.hwbp.core.claims.Dispatcher;
import org.hwbp.core.machine.Cpu;
import org.hwbp.core.machine.Memory;
import org.hwbp.core.x86.BreakpointParser;
import org.hwbp.core.x86.CpuShadow;
import org.hwbp.core.x86.KernelAddressMap;

/**
 * The simulated kernel's breakpoint subsystem: the composition root that builds its parts, one per kernel
 * concept, and the facade the OSGi components, the shell and the tests call. Plain Java: the OSGi components
 * only wrap it. The parts (ARCHITECTURE.md has the table of kernel files they model):
 * <ul>
 * <li>{@link BreakpointEvents}: perf's breakpoint events, register/modify/unregister (kernel/events/hw_breakpoint.c),
 * on the slot accounting {@link SlotAccounting};
 * <li>{@link BreakpointPmu}: perf scheduling an event onto a CPU (pmu->add/del → arch_install_hw_breakpoint);
 * <li>{@link Scheduler}: tasks, context switch, migration, exit;
 * <li>{@link KgdbBreakpoints}: kgdb's fail-fast dbg_reserve_bp_slot/dbg_release_bp_slot and direct install;
 * <li>{@link DebuggerClaims}, {@link GuestSessions}: the claim protocol the sandbox adds; {@link Listeners}: the
 * whiteboard listeners (claims, task exits, user-mode #DBs);
 * <li>{@link DebugException}, {@link CpuDebugRegisters}: the x86 #DB handler and the register accessors;
 * <li>{@link InvariantCheck}, {@link CoreRestart}, {@link OwnerScopes}: checks, pause/restore, client scopes.
 * </ul>
 * The parts reach each other through this root's package-private fields; none of them builds another part.
 *
 * <p><b>Lock order.</b> A thread holding one of these locks takes only locks further down the list:
 * <ol>
 * <li>a breakpoint event's monitor ({@code synchronized (ev)}: publishing a registration, modify, unregister);
 * <li>the slot accounting's constraint locks (a task's mutex, then {@code bp_cpuinfo_sem}), held only inside a
 * {@link SlotAccounting} call, which takes no other lock; kgdb's paths only try-lock them;
 * <li>the scheduler lock ({@link Scheduler}: context switch, exit);
 * <li>a CPU's perf-context lock ({@link Cpus#perfContext}: every install and uninstall);
 * <li>that CPU's register lock ({@link Cpu#lock()}, "IRQs off": the register writes themselves).
 * </ol>
 * Claims take none of them to claim: holders flip atomically ({@link Cpu#transferHolder}), and a release takes
 * each CPU's register lock alone. The monitors of the {@link EventLog}, of an {@link Owner}'s returning list
 * and of the {@link Memory} are leaves: nothing is taken under them, so they may be taken anywhere.
 *
 * <p><b>No callback under a lock.</b> No client code (breakpoint handlers, hardware and task listeners) runs
 * while any core lock is held: the parts collect what to tell and hand it to the {@link Dispatcher} after
 * releasing their locks, and the dispatcher runs it on the owner bundle's own thread.
 */
public final class HwBreakpointCore {
    final Cpus cpus;
    final SlotAccounting accounting;
    final BreakpointParser parser;
    final EventLog log = new EventLog();
    final Dispatcher dispatcher;
    final CoreCounters stats = new CoreCounters();
    volatile Policy policy;
    volatile long callbackTimeoutMillis;
    final OwnerScopes owners;
    final CoreRestart restart;
    final Scheduler sched;
    final BreakpointPmu pmu;
    final BreakpointEvents perf;
    final KgdbBreakpoints kgdb;
    final Listeners listeners;
    final DebuggerClaims claims;
    final GuestSessions guests;
    final DebugException db;
    final InvariantCheck invariants;
    /** The machine's memory (a leaf lock; see {@link Memory}). */
    final Memory memory = new Memory();

    public HwBreakpointCore(int ncpus, Policy policy, long callbackTimeoutMillis) {
        this.cpus = new Cpus(ncpus);
        this.policy = policy;
        this.callbackTimeoutMillis = callbackTimeoutMillis;
        this.accounting = new SlotAccounting(ncpus, CpuShadow.HBP_NUM, true);
        this.parser = new BreakpointParser(new KernelAddressMap(ncpus), false);
        this.dispatcher = new Dispatcher(log, callbackTimeoutMillis);
        this.owners = new OwnerScopes(this);
        this.restart = new CoreRestart(this, cpus);
        this.sched = new Scheduler(this, cpus);
        this.pmu = new BreakpointPmu(this, cpus);
        this.perf = new BreakpointEvents(this, accounting);
        this.kgdb = new KgdbBreakpoints(this, accounting);
        this.listeners = new Listeners(dispatcher);
        this.claims = new DebuggerClaims(this, cpus);
        this.guests = new GuestSessions(this, cpus);
        this.db = new DebugException(this, cpus);
        this.invariants = new InvariantCheck(this, cpus, accounting);
    }

    // ------------------------------------------------------------------ owners (OwnerScopes)

    /** A new client scope (one per bundle). */
    public Owner openOwner(String name) {
        return owners.openOwner(name);
    }

    /** Releases everything {@code o} owns: breakpoints, wide breakpoints, claims, guest sessions. */
    public void closeOwner(Owner o) {
        owners.closeOwner(o);
    }

    // ------------------------------------------------------------------ perf's breakpoint events (BreakpointEvents)

    /** perf_event_open() of a breakpoint: reserve, then parse (ENOSPC wins over EINVAL), then install. */
    public PerfEvent register(Owner o, BreakpointSpec spec, BreakpointHandler handler) {
        return perf.register(o, spec, handler);
    }

    /** register_wide_hw_breakpoint(): one event per online CPU, all or nothing. */
    public WideEvent registerWide(Owner o, BreakpointSpec spec, BreakpointHandler handler) {
        return perf.registerWide(o, spec, handler);
    }

    /** modify_user_hw_breakpoint(); on failure the old attributes stay. */
    public void modify(PerfEvent ev, BreakpointSpec attrs) {
        perf.modify(ev, attrs);
    }

    /** unregister_hw_breakpoint(): uninstall, release the slot; then give preempted breakpoints a chance. */
    public void unregister(PerfEvent ev) {
        perf.unregister(ev);
    }

    /** hw_breakpoint_is_used(). */
    public boolean isUsed() {
        return accounting.isUsed();
    }

    /**
     * A registration of a breakpoint on ({@code cpu}, {@code task}) stuck "in flight", holding its constraint
     * locks until the returned handle is closed (see {@link BreakpointEvents#holdConstraintLock}).
     */
    public AutoCloseable holdConstraintLock(int cpu, int task) {
        return perf.holdConstraintLock(cpu, task);
    }

    /** Every registered breakpoint, in registration order. */
    public List<PerfEvent> breakpoints() {
        return List.copyOf(perf.all.values());
    }

    int slotOf(PerfEvent ev, int cpu) {
        return pmu.slotOf(ev, cpu);
    }

    // ------------------------------------------------------------------ kgdb (KgdbBreakpoints, DebuggerClaims)

    /** dbg_reserve_bp_slot(), with the debugger-priority policy's preemption when it does not fit. */
    public void dbgReserve(PerfEvent ev) {
        kgdb.dbgReserve(ev);
    }

    /** dbg_release_bp_slot(). */
    public void dbgRelease(PerfEvent ev) {
        kgdb.dbgRelease(ev);
    }

    /** kgdb_correct_hw_break(): copies the attributes into the event and installs it directly. */
    public void debuggerInstall(PerfEvent ev, long address, int length, int type) {
        kgdb.debuggerInstall(ev, address, length, type);
    }

    /** arch_uninstall_hw_breakpoint() of a directly installed event (kgdb_disable_hw_debug, kgdb_remove_all_hw_break). */
    public void debuggerUninstall(PerfEvent ev) {
        kgdb.debuggerUninstall(ev);
    }

    /** kgdb_cpu_enter on every CPU: the holder of every CPU becomes DEBUGGER, without waiting for any lock. */
    public DebuggerClaim claimAllCpus(Owner o) {
        return claims.claimAllCpus(o);
    }

    /** Whether the debugger holds the machine. */
    public boolean debuggerActive() {
        return claims.active();
    }

    public Holder holder(int cpu) {
        return cpus.cpu(cpu).holder();
    }

    // ------------------------------------------------------------------ guests and listeners

    /** A guest claim of one CPU for one VM entry; refused while the debugger (or another guest) holds it. */
    public GuestSession enterGuest(Owner o, int cpu, int vm, int vcpu) {
        return guests.enterGuest(o, cpu, vm, vcpu);
    }

    public void addListener(String bundle, HardwareListener l, boolean guestEvents) {
        listeners.addListener(bundle, l, guestEvents);
    }

    public void removeListener(HardwareListener l) {
        listeners.removeListener(l);
    }

    public void addTaskListener(String bundle, TaskListener l) {
        listeners.addTaskListener(bundle, l);
    }

    public void removeTaskListener(TaskListener l) {
        listeners.removeTaskListener(l);
    }

    /** {@code l} is told of every user-mode #DB, before that #DB's handlers (exc_debug_user()). */
    public void addDebugExceptionListener(String bundle, DebugExceptionListener l) {
        listeners.addDebugExceptionListener(bundle, l);
    }

    public void removeDebugExceptionListener(DebugExceptionListener l) {
        listeners.removeDebugExceptionListener(l);
    }

    // ------------------------------------------------------------------ machine (Scheduler, DebugException)

    public int cpus() {
        return cpus.count;
    }

    public int createTask(String name) {
        return sched.createTask(name);
    }

    public TaskInfo task(int id) {
        return sched.task(id);
    }

    public List<TaskInfo> tasks() {
        return sched.tasks();
    }

    /** do_exit(): the task leaves its CPU and is gone; TaskListeners (ptrace's flush) are told. */
    public void exitTask(int id) {
        sched.exitTask(id);
    }

    /** Context switch on {@code cpu}: perf schedules the old task's events out and the new task's in. */
    public void switchTo(int cpu, int task) {
        sched.switchTo(cpu, task);
    }

    public int running(int cpu) {
        return sched.running(cpu);
    }

    /** A memory access or instruction fetch on {@code cpu}; a write stores 0; a hit raises #DB. */
    public AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode) {
        return db.access(cpu, address, length, kind, kernelMode, 0);
    }

    /**
     * A memory access or instruction fetch on {@code cpu}, a write storing {@code value} little-endian; a hit
     * raises #DB (see {@link DebugException}).
     */
    public AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode, long value) {
        return db.access(cpu, address, length, kind, kernelMode, value);
    }

    /** The bytes at {@code address}, read as a debugger reads them: no #DB, no register access. */
    public byte[] readMemory(long address, int length) {
        return memory.read(address, length);
    }

    /** Stores {@code bytes} at {@code address} (no #DB); EBUSY once the core is paused, so no write is lost. */
    public void writeMemory(long address, byte[] bytes) {
        restart.captureIfStopping();
        // Under the memory's monitor: a capture (which reads the pages under it) sees this write or refuses it.
        synchronized (memory) {
            if (restart.paused()) {
                throw new HwbpException(Errno.EBUSY, "the core is paused (its bundle is stopping)");
            }
            memory.write(address, bytes);
        }
    }

    /** The narrow per-CPU register access for KVM and kgdb; every MOV counted. */
    public DebugRegisters registers(int cpu) {
        Cpu c = cpus.cpu(cpu);
        return new CpuDebugRegisters(c, cpus.shadow(cpu));
    }

    // ------------------------------------------------------------------ introspection and settings

    public Policy policy() {
        return policy;
    }

    public void setPolicy(Policy p) {
        this.policy = p;
        kgdb.restorePreempted();
    }

    public void setCallbackTimeoutMillis(long ms) {
        callbackTimeoutMillis = ms;
        dispatcher.setTimeoutMillis(ms);
    }

    public EventLog events() {
        return log;
    }

    public long[] hardware(int cpu) {
        return cpus.cpu(cpu).registers().snapshot();
    }

    public CpuShadow<PerfEvent> shadow(int cpu) {
        cpus.cpu(cpu);
        return cpus.shadow(cpu);
    }

    /** Slots the accounting reserves on {@code cpu} in the worst case. */
    public int slotsInUse(int cpu) {
        return accounting.pinnedOn(cpus.cpu(cpu).index());
    }

    /** The event counters {@code hwbp:stats} shows, since start or the last {@link #resetCounters()}. */
    public record Counters(long registrations, long refusals, long debuggerClaims, long guestClaims, long triggers) {
    }

    public Counters counters() {
        return stats.snapshot();
    }

    public void resetCounters() {
        for (Cpu c : cpus.each()) {
            c.registers().resetCounters();
        }
        stats.reset();
    }

    /**
     * Product §8 invariants 1–3, checked now; safe while other threads work (the accounting is recounted under
     * its write lock, each CPU's slots under its perf-context and register locks). Empty when they hold.
     */
    public List<String> check() {
        return invariants.check();
    }

    /**
     * {@link #check()} plus, for a quiet moment (no registration in flight), the core's own view: the events it
     * marks reserved are exactly those the accounting holds.
     */
    public List<String> checkQuiescent() {
        return invariants.checkQuiescent();
    }

    // ------------------------------------------------------------------ pause and resume (CoreRestart)

    /** How the core learns that its bundle began to stop (see {@link CoreRestart#setStoppingProbe}). */
    public void setStoppingProbe(BooleanSupplier probe) {
        restart.setStoppingProbe(probe);
    }

    /** From now on every request answers EBUSY; the state is captured once (idempotent). */
    public CoreSnapshot suspend() {
        return restart.suspend();
    }

    /** Loads {@code s} into this fresh core before it is published (see {@link CoreRestart#restore}). */
    public void restore(CoreSnapshot s) {
        restart.restore(s);
    }

    /**
     * The breakpoints {@code owner} had before the restart and has not registered again, in registration order
     * (a wide breakpoint once per CPU): what an owner without state of its own, the shell, registers again.
     */
    public List<CoreSnapshot.Event> returningEvents(String owner) {
        return restart.returningEvents(owner);
    }

    /** Stops the callback threads. */
    public void shutdown() {
        dispatcher.closeAll();
    }
}
