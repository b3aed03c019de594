package org.hwbp.core;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
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
        if (orphan != null && orphan.orphan && orphan.owner.name().equals(o.name())) {
            // The debugger held the machine when the core stopped: its bundle takes the kept claim back, the
            // CPUs stay held (no second "claimed").
            Claim adopted = new Claim(o, false);
            if (current.compareAndSet(orphan, adopted)) {
                o.holds.add(adopted);
                core.log.add("claim cpus=" + Cpus.cpuList(adopted.cpus()) + " holder=DEBUGGER bundle=" + o.name()
                        + " (kept across the core's restart)");
                return adopted;
            }
        }
        Claim claim = new Claim(o, false);
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
        o.holds.add(claim);
        core.owners.outlivesOwner(o, claim::release);
        Set<Integer> all = claim.cpus();
        core.log.add("claim cpus=" + cpus.allLabel + " holder=DEBUGGER bundle=" + o.name());
        core.listeners.claimed(all, Holder.DEBUGGER, false);
        for (Cpu c : cpus.each()) {
            CpuShadow<PerfEvent> sh = cpus.shadow(c.index());
            for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
                PerfEvent ev = sh.owner(slot);
                if (ev != null && ev.owner != o) {
                    claim.preempted.add(ev);
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
        return claim == null ? null : claim.owner.name();
    }

    /** After a restore: the claim {@code bundle} held before the restart, kept until it claims again or goes. */
    void keepOrphan(String bundle) {
        current.set(new Claim(new Owner(bundle), true));
    }

    /** The debugger's bundle went away after the restart without taking its claim back. */
    void releaseOrphanOf(Owner o) {
        Claim orphan = current.get();
        if (orphan != null && orphan.orphan && orphan.owner.name().equals(o.name())) {
            orphan.release();
        }
    }

    private final class Claim implements DebuggerClaim, AutoCloseable {
        private final Owner owner;
        /** Restored from a snapshot, waiting for its bundle to claim again. */
        final boolean orphan;
        private final AtomicBoolean active = new AtomicBoolean(true);
        final Set<PerfEvent> preempted = new LinkedHashSet<>();

        Claim(Owner owner, boolean orphan) {
            this.owner = owner;
            this.orphan = orphan;
        }

        @Override
        public Set<Integer> cpus() {
            return cpus.all;
        }

        @Override
        public boolean isActive() {
            return active.get();
        }

        @Override
        public void release() {
            core.restart.captureIfStopping();
            if (!active.compareAndSet(true, false)) {
                return;
            }
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
            current.compareAndSet(this, null);
            owner.holds.remove(this);
            Set<Integer> all = cpus();
            for (PerfEvent ev : preempted) {
                if (ev.registered && ev.installedCpu >= 0) {
                    core.log.add("restore " + ev + " reason=DEBUGGER_CLAIM");
                    core.dispatcher.deliver(ev.owner.name(), "restored", () -> ev.handler.restored(ev));
                }
            }
            core.log.add("release cpus=" + cpus.allLabel + " holder=DEBUGGER bundle=" + owner.name());
            core.listeners.released(all, Holder.DEBUGGER, false);
            core.kgdb.restorePreempted();
        }

        @Override
        public void close() {
            release();
        }
    }
}
