package org.hwbp.kgdb.model;

import java.util.function.Consumer;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Debugger;
import org.hwbp.api.HwbpException;

/**
 * The arch_kgdb_ops of arch/x86/kernel/kgdb.c that act on kgdb's events on one CPU: remove_all_hw_break
 * (kgdb_remove_all_hw_break(), on detach or kill), disable_hw_break (kgdb_disable_hw_debug(), as each CPU
 * enters the debugger) and correct_hw_break (kgdb_correct_hw_break(), as each CPU leaves it). Not thread-safe:
 * only {@link X86Kgdb} uses it.
 */
final class PerCpuHwBreakOps {
    private final Debugger dbg;
    private final BreakInfoTable breakinfo;
    private final HwBreakSlots slots;
    private final Consumer<String> log;

    PerCpuHwBreakOps(Debugger dbg, BreakInfoTable breakinfo, HwBreakSlots slots, Consumer<String> log) {
        this.dbg = dbg;
        this.breakinfo = breakinfo;
        this.slots = slots;
        this.log = log;
    }

    /**
     * kgdb_remove_all_hw_break() on {@code cpu} (the CPU running the debugger): an entry whose event is
     * installed on this CPU is only uninstalled and marked disabled there, keeping its slots and its enabled
     * flag (the kernel's {@code continue}); the others give their slots back and are cleared.
     */
    void removeAllHwBreak(int cpu) {
        forEachEnabled(cpu, (i, b, bp) -> {
            if (bp.installedSlot(cpu) >= 0) {
                dbg.uninstall(bp);
                return;
            }
            if (slots.hwBreakReleaseSlot(i) != 0) {
                log.accept(String.format("KGDB: hw bpt remove failed %x", b.addr));
            }
            b.enabled = false;
        });
    }

    /**
     * kgdb_disable_hw_debug() on {@code cpu}, kgdb's part: uninstall its own installed events there. (The
     * hardware DR7 ← 0x400 of every CPU is the core's claim, which leaves the shadows alone.)
     */
    void disableHwDebug(int cpu) {
        forEachEnabled(cpu, (i, b, bp) -> {
            if (bp.installedSlot(cpu) >= 0) {
                dbg.uninstall(bp);
            }
        });
    }

    /**
     * kgdb_correct_hw_break() on {@code cpu}, kgdb's part: every enabled entry whose event is not installed
     * there gets the entry's address, length and type and is installed directly, bypassing perf scheduling.
     * A failed install leaves it disabled, as {@code arch_install_hw_breakpoint()}'s error does. (The final
     * hw_breakpoint_restore() is the release of the core's claim.)
     */
    void correctHwBreak(int cpu) {
        forEachEnabled(cpu, (i, b, bp) -> {
            if (bp.installedSlot(cpu) >= 0) {
                return;
            }
            // The core's parser wants an execute breakpoint's length as sizeof(long); the arch length is 1.
            int length = b.type == BreakpointSpec.X ? Long.BYTES : b.len;
            try {
                dbg.install(bp, b.addr, length, b.type);
            } catch (HwbpException e) {
                log.accept("kgdb: hw breakpoint " + i + " not installed on CPU " + cpu + ": " + e.getMessage());
            }
        });
    }

    /** What each of the three does with breakinfo[i] ({@code b}) and its event on the CPU ({@code bp}). */
    private interface EntryOnCpu {
        void apply(int i, BreakInfo b, Breakpoint bp);
    }

    /**
     * The loop all three run: each enabled entry of breakinfo[], in order, with its per-CPU event on {@code cpu}
     * ({@code *per_cpu_ptr(breakinfo[i].pev, cpu)}).
     */
    private void forEachEnabled(int cpu, EntryOnCpu action) {
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            BreakInfo b = breakinfo.get(i);
            if (b.enabled) {
                action.apply(i, b, b.pev.perCpu().get(cpu));
            }
        }
    }
}
