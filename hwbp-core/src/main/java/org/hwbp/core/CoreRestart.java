package org.hwbp.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.hwbp.api.Errno;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.machine.Cpu;
import org.hwbp.core.x86.CpuShadow;

/**
 * Pause and resume across a restart of the core's bundle (no kernel counterpart: the kernel never restarts
 * under its users). {@link #suspend()} captures a {@link CoreSnapshot} once, as the bundle begins to stop;
 * {@link #restore} loads it into a fresh core; then each owner's breakpoints come back as its bundle registers
 * them again, with their ids, serials and physical slots (the slot hints of {@link CpuShadow#restoreState}).
 */
final class CoreRestart {
    /** What a slot hint names: the event of {@code owner} with owner-scoped {@code id}. */
    private record SlotKey(String owner, int id) {
    }

    private record Returning(int nextId, List<CoreSnapshot.Event> events) {
    }

    private final HwBreakpointCore core;
    private final Cpus cpus;
    /** Set once the core's bundle began to stop: the state is captured, every request answers EBUSY. */
    private volatile boolean paused;
    /** Whether the core's bundle is stopping (OSGi sets it; plain Java never stops). */
    private volatile BooleanSupplier stopping = () -> false;
    private final AtomicReference<CoreSnapshot> suspended = new AtomicReference<>();
    /** After a restore: each owner's breakpoints from before, until the owner registers again. */
    private final ConcurrentHashMap<String, Returning> returning = new ConcurrentHashMap<>();
    /** After a restore: installs look for slot hints (never cleared; costs one key per install). */
    private volatile boolean slotHints;

    CoreRestart(HwBreakpointCore core, Cpus cpus) {
        this.core = core;
        this.cpus = cpus;
    }

    boolean paused() {
        return paused;
    }

    /** The slot hint an install of {@code ev} looks for, or null before any restore. */
    Object hintKey(PerfEvent ev) {
        return slotHints ? new SlotKey(ev.owner.name(), ev.id) : null;
    }

    /**
     * After a restore, the first registration of an owner named as one from before the restart takes over that
     * owner's id sequence and its list of breakpoints to come back ({@link Owner#takeReturning}).
     */
    void adopt(Owner o) {
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

    /** The returning breakpoints {@code o} did not bring back will not come: their slots are free for anyone. */
    void dropReturning(Owner o) {
        List<SlotKey> gone;
        synchronized (o.returning) {
            gone = o.returning.stream().map(e -> new SlotKey(e.owner(), e.id())).toList();
            o.returning.clear();
        }
        if (!gone.isEmpty()) {
            for (CpuShadow<PerfEvent> sh : cpus.shadows()) {
                sh.dropHints(gone::contains);
            }
        }
    }

    /**
     * How the core learns that its bundle began to stop. When it stops, DS unregisters the core's services one
     * by one, and each unregistration makes the clients release what they hold (their unbind methods unregister
     * breakpoints, and the service factories close the scopes) before any of this bundle's own components is
     * told; so every path that changes the machine asks first, and the first change after the stop began
     * captures the state as it was ({@link #suspend()}).
     */
    void setStoppingProbe(BooleanSupplier probe) {
        this.stopping = probe;
    }

    void captureIfStopping() {
        if (!paused && stopping.getAsBoolean()) {
            suspend();
        }
    }

    /**
     * The core's bundle is stopping (stop, update, or the framework's shutdown): from now on every request
     * answers EBUSY, and the state is captured once, before the bundle-scoped services close their owners'
     * scopes (which unregisters their breakpoints and moves the registers). Idempotent: the first caller
     * captures, later ones get the same snapshot.
     */
    CoreSnapshot suspend() {
        paused = true;
        CoreSnapshot s = suspended.get();
        if (s == null) {
            suspended.compareAndSet(null, capture());
            s = suspended.get();
        }
        return s;
    }

    private CoreSnapshot capture() {
        List<CoreSnapshot.Task> ts = core.sched.tasks.values().stream().sorted(Comparator.comparingInt(t -> t.id))
                .map(t -> new CoreSnapshot.Task(t.id, t.name, t.alive, t.cpu)).toList();
        List<CoreSnapshot.Event> evs = new ArrayList<>();
        for (PerfEvent e : core.perf.all.values()) {
            if (e.registered) {
                evs.add(new CoreSnapshot.Event(e.owner.name(), e.id, e.widePart, e.serial, e.spec));
            }
        }
        Map<String, Integer> nextIds = new LinkedHashMap<>();
        for (Owner o : core.owners.open) {
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
        for (Cpu c : cpus.each()) {
            states.add(captureCpu(c));
        }
        return new CoreSnapshot(cpus.count, core.policy.label(), core.callbackTimeoutMillis,
                core.sched.nextTask.get(), core.perf.nextSerial.get(), core.claims.holderBundle(), nextIds, ts, evs,
                states, core.memory.pages());
    }

    /** One CPU's registers, counters, shadows and slot occupants, under its perf-context and register locks. */
    private CoreSnapshot.CpuState captureCpu(Cpu c) {
        CpuShadow<PerfEvent> sh = cpus.shadow(c.index());
        cpus.perfContext(c.index()).lock();
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
            return new CoreSnapshot.CpuState(hw, c.registers().reads(), c.registers().writes(), sh.dr7(),
                    debugreg, slotOwner, slotId, debugger, c.running());
        } finally {
            c.lock().unlock();
            cpus.perfContext(c.index()).unlock();
        }
    }

    /**
     * Loads {@code s} into this fresh core (no task, nothing registered) before it is published: tasks and the
     * CPUs they run on, the task id and serial sequences, per CPU the hardware registers and their counters, the
     * shadows with a slot hint per slot occupied before ({@link CpuShadow#restoreState}), the holders, and the
     * debugger's claim, kept until its bundle claims again or goes away, and the memory. The owners then register again, in any
     * order: a registration matching one from before gets its id, serial and physical slot back, so that once
     * all are back every CPU's registers are what they were. EINVAL for another CPU count (that is a reboot).
     */
    void restore(CoreSnapshot s) {
        if (s.cpus != cpus.count) {
            throw new HwbpException(Errno.EINVAL, "snapshot of " + s.cpus + " CPUs, machine of " + cpus.count);
        }
        if (!core.sched.tasks.isEmpty() || !core.perf.all.isEmpty()) {
            throw new HwbpException(Errno.EBUSY, "only a fresh core can be restored");
        }
        for (CoreSnapshot.Task t : s.tasks) {
            Scheduler.TaskState st = new Scheduler.TaskState(t.id(), t.name());
            st.alive = t.alive();
            st.cpu = t.cpu();
            core.sched.tasks.put(t.id(), st);
        }
        core.sched.nextTask.set(s.nextTask);
        core.memory.restorePages(s.memory);
        core.perf.nextSerial.set(s.nextSerial);
        slotHints = true;
        for (int i = 0; i < cpus.count; i++) {
            restoreCpu(cpus.at(i), s.cpuStates.get(i));
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
            core.claims.keepOrphan(s.debuggerOwner);
        }
    }

    private void restoreCpu(Cpu c, CoreSnapshot.CpuState st) {
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
        c.setRunning(st.running());
        c.registers().restore(hw, st.reads(), st.writes());
        cpus.shadow(c.index()).restoreState(st.cpuDr7(), st.debugreg(), hints);
        if (st.debuggerHolds()) {
            c.setHolder(Holder.DEBUGGER);
        }
    }

    /**
     * The breakpoints {@code owner} had before the restart and has not registered again, in registration order
     * (a wide breakpoint once per CPU): what an owner without state of its own, the shell, registers again.
     */
    List<CoreSnapshot.Event> returningEvents(String owner) {
        Returning r = returning.get(owner);
        return r == null ? List.of() : r.events;
    }
}
