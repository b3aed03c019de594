package org.hwbp.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.PreemptReason;
import org.hwbp.core.accounting.SlotAccounting;
import org.hwbp.core.x86.ArchInfo;
import org.hwbp.core.x86.BreakpointParser;

/**
 * kgdb's paths to the breakpoint slots: dbg_reserve_bp_slot() and dbg_release_bp_slot()
 * (kernel/events/hw_breakpoint.c, fail-fast: they never wait for a constraint lock), and the direct install of
 * arch/x86/kernel/kgdb.c (kgdb_correct_hw_break(), and the uninstall of kgdb_disable_hw_debug /
 * kgdb_remove_all_hw_break). With the sandbox's debugger-priority {@link Policy}, a reservation that does not
 * fit preempts the newest non-debugger reservations; they get their slot back, oldest first, when one frees up.
 */
final class KgdbBreakpoints {
    private final HwBreakpointCore core;
    private final SlotAccounting accounting;
    /** Breakpoints preempted by the debugger-priority policy, waiting for a slot. */
    final Set<PerfEvent> preempted = ConcurrentHashMap.newKeySet();

    KgdbBreakpoints(HwBreakpointCore core, SlotAccounting accounting) {
        this.core = core;
        this.accounting = accounting;
    }

    /** dbg_reserve_bp_slot(), with the debugger-priority policy's preemption when it does not fit. */
    void dbgReserve(PerfEvent ev) {
        core.owners.checkOpen(ev.owner);
        ev.owner.debugger = true;
        if (ev.reserved) {
            return;
        }
        List<PerfEvent> victims = new ArrayList<>();
        accounting.runUnlessLocked(ev, () -> {
            if (core.policy == Policy.DEBUGGER_PRIORITY && !ev.spec.isTaskBound()) {
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
            core.pmu.uninstall(v);
            core.log.add("preempt " + v + " reason=DEBUGGER_PRIORITY by " + ev.owner.name());
            core.dispatcher.deliver(v.owner.name(), "preempted",
                    () -> v.handler.preempted(v, PreemptReason.DEBUGGER_PRIORITY));
        }
    }

    /** The most recently registered reservation of a non-debugger owner that takes a slot on {@code cpu}. */
    private PerfEvent newestPreemptible(int cpu) {
        for (PerfEvent e : core.perf.all.descendingMap().values()) {
            if (e.reserved && !e.preempted && e.registered && !e.owner.debugger
                    && (e.spec.cpu() == cpu || (e.spec.isTaskBound() && e.spec.cpu() < 0))) {
                return e;
            }
        }
        return null;
    }

    /** dbg_release_bp_slot(). */
    void dbgRelease(PerfEvent ev) {
        core.owners.checkOpen(ev.owner);
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
    void restorePreempted() {
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
                core.pmu.installIfRunnable(e);
                core.log.add("restore " + e + " reason=DEBUGGER_PRIORITY");
                core.dispatcher.deliver(e.owner.name(), "restored", () -> e.handler.restored(e));
            }
        }
    }

    /** kgdb_correct_hw_break(): copies the attributes into the event and installs it directly. */
    void debuggerInstall(PerfEvent ev, long address, int length, int type) {
        core.owners.checkOpen(ev.owner);
        if (ev.spec.isTaskBound()) {
            throw new HwbpException(Errno.EINVAL, "the debugger installs CPU-bound events only");
        }
        BreakpointSpec next = new BreakpointSpec(address, length, type, ev.spec.cpu(), BreakpointSpec.NO_TASK,
                ev.spec.disabled(), ev.spec.excludeKernel());
        // kgdb_correct_hw_break() writes address, length and type into the arch info without validation
        // (kgdb_set_hw_break checked the length); only the encoding is derived here.
        ArchInfo info = BreakpointParser.encode(next);
        int cpu = ev.spec.cpu();
        Cpus cpus = core.cpus;
        cpus.perfContext(cpu).lock();
        try {
            if (ev.installedCpu >= 0) {
                cpus.shadow(cpu).uninstall(ev);
                ev.installedCpu = -1;
            }
            ev.spec = next;
            ev.info = info;
            ev.direct = true;
            cpus.shadow(cpu).install(ev, info, core.restart.hintKey(ev));
            ev.installedCpu = cpu;
        } finally {
            cpus.perfContext(cpu).unlock();
        }
    }

    /** arch_uninstall_hw_breakpoint() of a directly installed event (kgdb_disable_hw_debug, kgdb_remove_all_hw_break). */
    void debuggerUninstall(PerfEvent ev) {
        core.restart.captureIfStopping();
        core.pmu.uninstall(ev);
        ev.direct = false;
    }
}
