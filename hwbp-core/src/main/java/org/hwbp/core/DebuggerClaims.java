package org.hwbp.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Errno;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.PreemptReason;
import org.hwbp.core.machine.Cpu;
import org.hwbp.core.x86.CpuShadow;

/**
 * The debugger's claim of the machine: kgdb_cpu_enter() on every CPU (kernel/debug/debug_core.c, after
 * kgdb_roundup_cpus) makes the debugger the holder of every CPU without waiting for any lock, and
 * kgdb_disable_hw_debug() (arch/x86/kernel/kgdb.c) writes DR7 ← 0x400 while the shadows stay; the release gives
 * the host its registers back from the shadows (hw_breakpoint_restore). Holders flip atomically: no lock is
 * taken to claim, so a claim completes while registrations block. A claim kept in a {@link CoreSnapshot}
 * survives a restart of the core as an orphan until its bundle claims again or goes away.
 */
final class DebuggerClaims {
    private final HwBreakpointCore core;
    private final Cpus cpus;
    private final AtomicReference<Claim> current = new AtomicReference<>();

    DebuggerClaims(HwBreakpointCore core, Cpus cpus) {
        this.core = core;
        this.cpus = cpus;
    }

    /** kgdb_cpu_enter on every CPU: the holder of every CPU becomes DEBUGGER, without waiting for any lock. */
    DebuggerClaim claimAllCpus(Owner o) {
        core.owners.checkOpen(o);
        o.debugger = true;
        Claim orphan = current.get();
        if (orphan != null && orphan.orphan && orphan.owner().name().equals(o.name())) {
            // The debugger held the machine when the core stopped: its bundle takes the kept claim back, the
            // CPUs stay held (no second "claimed").
            Claim adopted = new Claim(seatOf(o), false);
            if (current.compareAndSet(orphan, adopted)) {
                o.holds.add(adopted.seat);
                core.log.add("claim cpus=" + Cpus.cpuList(adopted.cpus()) + " holder=DEBUGGER bundle=" + o.name()
                        + " (kept across the core's restart)");
                return adopted;
            }
        }
        Claim claim = new Claim(seatOf(o), false);
        if (!current.compareAndSet(null, claim)) {
            throw new HwbpException(Errno.EBUSY, "the debugger already holds the machine");
        }
        for (Cpu c : cpus.each()) {
            c.setHolder(Holder.DEBUGGER);
        }
        for (Cpu c : cpus.each()) {
            // kgdb_disable_hw_debug(): DR7 ← 0x400 on every CPU entering the debugger, shadows untouched.
            c.requestDisable();
        }
        core.stats.debuggerClaims.increment();
        o.holds.add(claim.seat);
        core.owners.outlivesOwner(o, claim);
        Set<Integer> all = claim.cpus();
        core.log.add(claim.seat.claimText);
        core.listeners.claimed(all, Holder.DEBUGGER, false);
        for (Cpu c : cpus.each()) {
            CpuShadow<PerfEvent> sh = cpus.shadow(c.index());
            for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
                PerfEvent ev = sh.owner(slot);
                if (ev != null && ev.owner != o) {
                    claim.preempted().add(ev);
                    core.log.add("preempt " + ev + " reason=DEBUGGER_CLAIM cpu " + c.index());
                    core.dispatcher.deliver(ev.owner.name(), "preempted",
                            () -> ev.handler.preempted(ev, PreemptReason.DEBUGGER_CLAIM));
                }
            }
        }
        return claim;
    }

    /** Whether the debugger holds the machine. */
    boolean active() {
        return current.get() != null;
    }

    /** The bundle of the debugger holding the machine, or null. */
    String holderBundle() {
        Claim claim = current.get();
        return claim == null ? null : claim.owner().name();
    }

    /** After a restore: the claim {@code bundle} held before the restart, kept until it claims again or goes. */
    void keepOrphan(String bundle) {
        current.set(new Claim(seatOf(new Owner(bundle)), true));
    }

    /** The debugger's bundle went away after the restart without taking its claim back. */
    void releaseOrphanOf(Owner o) {
        Claim orphan = current.get();
        if (orphan != null && orphan.orphan && orphan.owner().name().equals(o.name())) {
            orphan.release();
        }
    }

    /**
     * What a bundle's claims share, made at its first claim and kept in its {@link Owner}: the log lines (so the
     * claim path builds no string) and its hold, which stays in the owner's holds and releases whichever claim
     * of the bundle is active when the bundle goes (so a claim adds no entry to that set). The claim path then
     * allocates only the claim itself: what it allocates shows in its tail (ClaimBenchmark).
     */
    private final class Seat implements AutoCloseable {
        final Owner owner;
        final String claimText;
        final String releaseText;

        Seat(Owner owner) {
            this.owner = owner;
            claimText = "claim cpus=" + cpus.allLabel + " holder=DEBUGGER bundle=" + owner.name();
            releaseText = "release cpus=" + cpus.allLabel + " holder=DEBUGGER bundle=" + owner.name();
        }

        DebuggerClaims claims() {
            return DebuggerClaims.this;
        }

        @Override
        public void close() {
            Claim claim = current.get();
            if (claim != null && claim.owner() == owner) {
                claim.release();
            }
        }
    }

    private Seat seatOf(Owner o) {
        if (o.debuggerSeat instanceof Seat seat && seat.claims() == this) {
            return seat;
        }
        Seat seat = new Seat(o);
        o.debuggerSeat = seat;
        return seat;
    }

    /**
     * Leaves the debugger for {@code claim}, the first release of it that wins: hw_breakpoint_restore() on every
     * CPU, then the restores of what it preempted, the log and the listeners.
     */
    private void release(Claim claim) {
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
        current.compareAndSet(claim, null);
        Set<PerfEvent> restore = claim.preempted;
        if (restore != null) {
            for (PerfEvent ev : restore) {
                if (ev.registered && ev.installedCpu >= 0) {
                    core.log.add("restore " + ev + " reason=DEBUGGER_CLAIM");
                    core.dispatcher.deliver(ev.owner.name(), "restored", () -> ev.handler.restored(ev));
                }
            }
        }
        core.log.add(claim.seat.releaseText);
        core.listeners.released(cpus.all, Holder.DEBUGGER, false);
        core.kgdb.restorePreempted();
    }

    /**
     * One claim; also the undo that {@link OwnerScopes#outlivesOwner} runs if the bundle went away meanwhile. It
     * is all a claim allocates unless it preempts a breakpoint, so it is small: its owner and the parts are
     * reached through its {@link Seat}.
     */
    private static final class Claim implements DebuggerClaim, Runnable {
        private static final VarHandle RELEASED;

        static {
            try {
                RELEASED = MethodHandles.lookup().findVarHandle(Claim.class, "released", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Seat seat;
        /** Restored from a snapshot, waiting for its bundle to claim again. */
        final boolean orphan;
        /** Set once, by the release that wins (through RELEASED); false needs no write at construction. */
        private volatile boolean released;
        /** The breakpoints this claim preempted, in order; created by the first one. */
        private volatile Set<PerfEvent> preempted;

        Claim(Seat seat, boolean orphan) {
            this.seat = seat;
            this.orphan = orphan;
        }

        Owner owner() {
            return seat.owner;
        }

        /** Called by the claiming thread only, before the claim is released. */
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
            return seat.claims().cpus.all;
        }

        @Override
        public boolean isActive() {
            return !released;
        }

        @Override
        public void release() {
            DebuggerClaims claims = seat.claims();
            claims.core.restart.captureIfStopping();
            if (RELEASED.compareAndSet(this, false, true)) {
                claims.release(this);
            }
        }

        @Override
        public void run() {
            release();
        }
    }
}
