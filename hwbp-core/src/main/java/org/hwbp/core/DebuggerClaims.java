package org.hwbp.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashSet;
import java.util.Set;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Errno;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.PreemptReason;
import org.hwbp.core.cacheline.CacheLineHead;
import org.hwbp.core.cacheline.PaddedReference;
import org.hwbp.core.machine.Cpu;
import org.hwbp.core.x86.CpuShadow;

/**
 * The debugger's claim of the machine: kgdb_cpu_enter() on every CPU (kernel/debug/debug_core.c, after
 * kgdb_roundup_cpus) makes the debugger the holder of every CPU without waiting for any lock, and
 * kgdb_disable_hw_debug() (arch/x86/kernel/kgdb.c) writes DR7 ← 0x400 while the shadows stay; the release gives
 * the host its registers back from the shadows (hw_breakpoint_restore). Holders flip atomically: no lock is
 * taken to claim, so a claim completes while registrations block. A claim kept in a {@link CoreSnapshot}
 * survives a restart of the core as an orphan until its bundle claims again or goes away.
 *
 * <p>Like kgdb, which keeps one debugger state and no handle per entry, a client has one {@link Seat}: every
 * claim of the client returns it, so a claim and its release allocate nothing (each allocation showed in the
 * claim's tail, ClaimBenchmark: a fresh heap page every 170 claims of 24 bytes).
 */
final class DebuggerClaims {
    private final HwBreakpointCore core;
    private final Cpus cpus;
    /**
     * The seat holding the machine (or a snapshot's orphan), null when the host holds it. Swapped twice per claim,
     * on lines of its own: registrations read their neighbours (the restart state) all the time.
     */
    private final PaddedReference<Seat> current = new PaddedReference<>(null);

    DebuggerClaims(HwBreakpointCore core, Cpus cpus) {
        this.core = core;
        this.cpus = cpus;
    }

    /** kgdb_cpu_enter on every CPU: the holder of every CPU becomes DEBUGGER, without waiting for any lock. */
    DebuggerClaim claimAllCpus(Owner o) {
        core.owners.checkOpen(o);
        if (!o.debugger) {
            // Written once: a volatile store on every claim was a fence on the claim's path.
            o.debugger = true;
        }
        Seat seat = seatOf(o);
        Seat orphan = current.get();
        if (orphan != null && orphan.orphan && orphan.owner.name().equals(o.name())) {
            // The debugger held the machine when the core stopped: its bundle takes the kept claim back, the
            // CPUs stay held (no second "claimed").
            if (current.compareAndSet(orphan, seat)) {
                seat.active = true;
                o.holds.add(seat);
                core.log.add("claim cpus=" + Cpus.cpuList(cpus.all) + " holder=DEBUGGER bundle=" + o.name()
                        + " (kept across the core's restart)");
                return seat;
            }
        }
        if (!current.compareAndSet(null, seat)) {
            throw new HwbpException(Errno.EBUSY, "the debugger already holds the machine");
        }
        // The seat's set of preempted breakpoints is null here: the last release dropped it.
        seat.active = true;
        for (Cpu c : cpus.each()) {
            c.setHolder(Holder.DEBUGGER);
        }
        for (Cpu c : cpus.each()) {
            // kgdb_disable_hw_debug(): DR7 ← 0x400 on every CPU entering the debugger, shadows untouched.
            c.requestDisable();
        }
        core.stats.debuggerClaims.increment();
        o.holds.add(seat);
        core.owners.outlivesOwner(o, seat);
        core.log.add(seat.claimText);
        core.listeners.claimed(cpus.all, Holder.DEBUGGER, false);
        for (Cpu c : cpus.each()) {
            CpuShadow<PerfEvent> sh = cpus.shadow(c.index());
            for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
                PerfEvent ev = sh.owner(slot);
                if (ev != null && ev.owner != o) {
                    seat.preempted().add(ev);
                    core.log.add("preempt " + ev + " reason=DEBUGGER_CLAIM cpu " + c.index());
                    core.dispatcher.deliver(ev.owner.name(), "preempted",
                            () -> ev.handler.preempted(ev, PreemptReason.DEBUGGER_CLAIM));
                }
            }
        }
        return seat;
    }

    /** Whether the debugger holds the machine. */
    boolean active() {
        return current.get() != null;
    }

    /** The bundle of the debugger holding the machine, or null. */
    String holderBundle() {
        Seat seat = current.get();
        return seat == null ? null : seat.owner.name();
    }

    /** After a restore: the claim {@code bundle} held before the restart, kept until it claims again or goes. */
    void keepOrphan(String bundle) {
        Seat orphan = new Seat(new Owner(bundle), true);
        orphan.active = true;
        current.set(orphan);
    }

    /** The debugger's bundle went away after the restart without taking its claim back. */
    void releaseOrphanOf(Owner o) {
        Seat orphan = current.get();
        if (orphan != null && orphan.orphan && orphan.owner.name().equals(o.name())) {
            orphan.release();
        }
    }

    private Seat seatOf(Owner o) {
        if (o.debuggerSeat instanceof Seat seat && seat.claims() == this) {
            return seat;
        }
        Seat seat = new Seat(o, false);
        o.debuggerSeat = seat;
        return seat;
    }

    /**
     * Leaves the debugger for {@code seat}, the first release of its claim that wins: hw_breakpoint_restore() on
     * every CPU, then the restores of what it preempted, the log and the listeners.
     */
    private void release(Seat seat) {
        for (Cpu c : cpus.each()) {
            c.lock().lock();
            try {
                cpus.shadow(c.index()).restoreLocked();
                c.setHolder(Holder.HOST);
                c.takeShadowChanged();
            } finally {
                c.unlockAndApplyPending();
            }
        }
        // Taken before the seat is free for the next claim, and dropped: the seat outlives the claim, and what
        // it preempted must not keep a bundle that goes away (its handlers' class loader) reachable.
        Set<PerfEvent> restore = seat.preempted;
        if (restore != null) {
            seat.preempted = null;
        }
        current.compareAndSet(seat, null);
        if (restore != null) {
            for (PerfEvent ev : restore) {
                if (ev.registered && ev.installedCpu >= 0) {
                    core.log.add("restore " + ev + " reason=DEBUGGER_CLAIM");
                    core.dispatcher.deliver(ev.owner.name(), "restored", () -> ev.handler.restored(ev));
                }
            }
        }
        core.log.add(seat.releaseText);
        core.listeners.released(cpus.all, Holder.DEBUGGER, false);
        core.kgdb.restorePreempted();
    }

    /**
     * A seat's fields, on cache lines of their own: every release swaps {@link #active}, and the heap put the seat
     * beside the core object that every registration reads (ClaimBenchmark, an address dump of a slow run).
     */
    private abstract static class SeatState extends CacheLineHead {
        final Owner owner;
        /** Restored from a snapshot, waiting for its bundle to claim again. */
        final boolean orphan;
        final String claimText;
        final String releaseText;
        /** A claim of this seat holds the machine; cleared by the release that wins (through ACTIVE). */
        volatile boolean active;
        /** The breakpoints the active claim preempted, in order; created by the first one. */
        volatile Set<PerfEvent> preempted;

        SeatState(Owner owner, boolean orphan, String cpus) {
            this.owner = owner;
            this.orphan = orphan;
            claimText = "claim cpus=" + cpus + " holder=DEBUGGER bundle=" + owner.name();
            releaseText = "release cpus=" + cpus + " holder=DEBUGGER bundle=" + owner.name();
        }
    }

    /**
     * A client's hold on the machine, made at its first claim and kept in its {@link Owner}: the handle every
     * claim of the client returns (kgdb has one debugger state, not one per entry), its log lines (so the claim
     * path builds no string), and its hold, which stays in the owner's holds and releases the claim when the
     * bundle goes. {@link #release} ends the client's claim that is active, if any, once; so a handle kept from
     * an earlier claim ends the client's current one. Also the undo that {@link OwnerScopes#outlivesOwner} runs
     * if the bundle went away during the claim.
     */
    private final class Seat extends SeatState implements DebuggerClaim, AutoCloseable, Runnable {
        private static final VarHandle ACTIVE;

        static {
            try {
                ACTIVE = MethodHandles.lookup().findVarHandle(SeatState.class, "active", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        long q01, q02, q03, q04, q05, q06, q07, q08;

        Seat(Owner owner, boolean orphan) {
            super(owner, orphan, cpus.allLabel);
        }

        DebuggerClaims claims() {
            return DebuggerClaims.this;
        }

        /** Called by the claiming thread only, while its claim holds the machine. */
        Set<PerfEvent> preempted() {
            Set<PerfEvent> p = preempted;
            if (p == null) {
                p = new LinkedHashSet<>();
                preempted = p;
            }
            return p;
        }

        @Override
        public Set<Integer> cpus() {
            return cpus.all;
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public void release() {
            core.restart.captureIfStopping();
            if (ACTIVE.compareAndSet(this, true, false)) {
                DebuggerClaims.this.release(this);
            }
        }

        /** The bundle went away: its claim, if it holds the machine, is released. */
        @Override
        public void close() {
            if (current.get() == this) {
                release();
            }
        }

        @Override
        public void run() {
            release();
        }
    }
}
