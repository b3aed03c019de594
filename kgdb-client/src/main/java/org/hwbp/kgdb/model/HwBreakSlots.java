package org.hwbp.kgdb.model;

import java.util.List;
import java.util.function.Consumer;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.Debugger;
import org.hwbp.api.HwbpException;

/**
 * hw_break_reserve_slot() and hw_break_release_slot() of arch/x86/kernel/kgdb.c: a breakinfo entry's slot on
 * every online CPU, through the core's fail-fast {@link Debugger} path. Why a call failed goes to kgdb's
 * "last failure". Not thread-safe: only {@link X86Kgdb} uses it.
 */
final class HwBreakSlots {
    private final Debugger dbg;
    private final BreakInfoTable breakinfo;
    private final Consumer<String> lastFailure;
    /** The refusal behind the last failed hw_break_reserve_slot(). */
    private HwbpException lastRefusal;

    HwBreakSlots(Debugger dbg, BreakInfoTable breakinfo, Consumer<String> lastFailure) {
        this.dbg = dbg;
        this.breakinfo = breakinfo;
        this.lastFailure = lastFailure;
    }

    HwbpException lastRefusal() {
        return lastRefusal;
    }

    /**
     * hw_break_reserve_slot(): dbg_reserve_bp_slot() on each online CPU's event; the first refusal ("locked",
     * EBUSY here, or ENOSPC) releases the CPUs already reserved and fails.
     */
    int hwBreakReserveSlot(int breakno) {
        List<Breakpoint> pev = breakinfo.get(breakno).pev.perCpu();
        int cnt = 0;
        for (int cpu = 0; cpu < breakinfo.cpus(); cpu++) {
            cnt++;
            try {
                dbg.reserveSlot(pev.get(cpu));
            } catch (HwbpException e) {
                lastRefusal = e;
                lastFailure.accept("CPU " + cpu + " refused: " + e.getMessage());
                for (int c = 0; c < breakinfo.cpus(); c++) {
                    cnt--;
                    if (cnt == 0) {
                        break;
                    }
                    try {
                        dbg.releaseSlot(pev.get(c));
                    } catch (HwbpException ignored) {
                        // dbg_release_bp_slot()'s result is ignored here too: a release refused because a
                        // registration just took the lock leaves that CPU's slot reserved, as in Linux.
                    }
                }
                return -1;
            }
        }
        return 0;
    }

    /** hw_break_release_slot(): dbg_release_bp_slot() per online CPU; the first refusal fails, leaving the rest. */
    int hwBreakReleaseSlot(int breakno) {
        List<Breakpoint> pev = breakinfo.get(breakno).pev.perCpu();
        for (int cpu = 0; cpu < breakinfo.cpus(); cpu++) {
            try {
                dbg.releaseSlot(pev.get(cpu));
            } catch (HwbpException e) {
                // The debugger is responsible for the retry on remove failure.
                lastFailure.accept("CPU " + cpu + " refused the release: " + e.getMessage());
                return -1;
            }
        }
        return 0;
    }
}
