package org.hwbp.kgdb.model;

import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Debugger;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * kgdb's boot-time placeholders: the per-CPU events of every breakinfo entry, which kgdb_arch_late() registers
 * with register_wide_hw_breakpoint() and kgdb_arch_exit() unregisters. Not thread-safe: only {@link X86Kgdb}
 * uses it.
 */
final class LatePlaceholders {
    /** How long kgdb_arch_late() keeps retrying a slot release a registration in flight refused (ms). */
    static final long RELEASE_PATIENCE_MS = 2000;

    private final Debugger dbg;
    private final BreakInfoTable breakinfo;

    LatePlaceholders(Debugger dbg, BreakInfoTable breakinfo) {
        this.dbg = dbg;
        this.breakinfo = breakinfo;
    }

    /**
     * kgdb_arch_late(): registers four disabled wide write breakpoints of length 1 on kgdb_arch_init's address
     * (a slot on every online CPU each), then gives every per-CPU event's slot back, so that the events exist
     * but hold nothing. If a registration fails, logs what Linux prints, unregisters what exists
     * (kgdb_arch_exit()) and stays disabled. Returns null, or the failure that disabled kgdb.
     */
    HwbpException register(BreakpointService bps, BreakpointHandler handler, Consumer<String> log) {
        BreakpointSpec attr = BreakpointSpec.onCpu(0, X86Kgdb.KGDB_ARCH_INIT, 1, BreakpointSpec.W)
                .withDisabled(true);
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            try {
                breakinfo.get(i).pev = bps.registerWide(attr, handler);
                breakinfo.setCpus(breakinfo.get(i).pev.perCpu().size());
                for (Breakpoint bp : breakinfo.get(i).pev.perCpu()) {
                    releaseAtInit(bp);
                }
            } catch (HwbpException e) {
                log.accept("kgdb: Could not allocate hw breakpoints\nDisabling the kernel debugger ("
                        + e.getMessage() + ")");
                exit();
                breakinfo.setCpus(0);
                return e;
            }
        }
        return null;
    }

    /**
     * kgdb_arch_late() calls release_bp_slot(), which waits for the constraint lock; the core offers the
     * debugger's fail-fast release only, so a refusal (a registration in flight) is retried for a while.
     */
    private void releaseAtInit(Breakpoint bp) {
        long deadline = System.nanoTime() + RELEASE_PATIENCE_MS * 1_000_000;
        while (true) {
            try {
                dbg.releaseSlot(bp);
                return;
            } catch (HwbpException e) {
                if (e.errno() != Errno.EBUSY || System.nanoTime() > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(1_000_000);
            }
        }
    }

    /** kgdb_arch_exit(): unregisters the pre-created events. */
    void exit() {
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            BreakInfo b = breakinfo.get(i);
            if (b.pev != null) {
                b.pev.unregister();
                b.pev = null;
            }
            b.enabled = false;
        }
    }
}
