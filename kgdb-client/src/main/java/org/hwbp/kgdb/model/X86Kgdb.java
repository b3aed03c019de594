package org.hwbp.kgdb.model;

import java.util.List;
import java.util.function.Consumer;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Debugger;
import org.hwbp.api.Hit;
import org.hwbp.api.HwbpException;

/**
 * The hardware-breakpoint half of arch/x86/kernel/kgdb.c: {@code breakinfo[4]} and the {@code arch_kgdb_ops}
 * that act on it. Every method returns what the kernel function returns (0 or -1) so that gdb_cmd_break() can
 * turn it into a reply; none of them ever waits for a lock (the core's {@link Debugger} path is fail-fast).
 * Not thread-safe: {@link DebugCore} serialises every call, as kgdb runs with every other CPU stopped.
 *
 * <p>This class is kgdb_set_hw_break(), kgdb_remove_hw_break() and kgdb's last failure; {@code breakinfo[]} is
 * {@link BreakInfoTable}, hw_break_reserve_slot()/hw_break_release_slot() {@link HwBreakSlots}, the boot-time
 * placeholders of kgdb_arch_late()/kgdb_arch_exit() {@link LatePlaceholders}, the per-CPU hooks
 * (kgdb_remove_all_hw_break, kgdb_disable_hw_debug, kgdb_correct_hw_break) {@link PerCpuHwBreakOps},
 * kgdb_hw_overflow_handler() {@link KgdbHwOverflowHandler}, and breakinfo across a restart
 * {@link SavedBreakInfo}.
 */
public final class X86Kgdb {
    /** HBP_NUM. */
    public static final int HBP_NUM = 4;
    /** The address of kgdb_arch_init() in the simulated kernel text; kgdb_arch_late() parks its events on it. */
    public static final long KGDB_ARCH_INIT = 0xFFFF_FFFF_8106_3F50L;

    /** Told of every hit of one of kgdb's events (on the core's callback thread of this bundle). */
    public interface HitSink {
        void hit(Breakpoint bp, Hit hit);
    }

    private final BreakInfoTable breakinfo = new BreakInfoTable();
    private final Consumer<String> log;
    private final KgdbHwOverflowHandler overflowHandler = new KgdbHwOverflowHandler(breakinfo);
    private final LatePlaceholders placeholders;
    private final HwbpException disabledBy;
    private String lastFailure = "none";
    private final HwBreakSlots slots;
    private final PerCpuHwBreakOps perCpu;
    private final SavedBreakInfo saved;

    /** A saved breakinfo entry whose slots were taken while kgdb was away: kept and reported, not lost. */
    public record Unrestored(KgdbState.BreakEntry entry, String reason) {
    }

    /**
     * kgdb_arch_late(): the boot-time placeholders ({@link LatePlaceholders#register}); {@link #disabledBy()}
     * tells whether it failed.
     */
    public X86Kgdb(BreakpointService bps, Consumer<String> log) {
        Debugger dbg = bps.debugger();
        this.log = log;
        this.slots = new HwBreakSlots(dbg, breakinfo, this::setLastFailure);
        this.placeholders = new LatePlaceholders(dbg, breakinfo);
        this.perCpu = new PerCpuHwBreakOps(dbg, breakinfo, slots, log);
        this.saved = new SavedBreakInfo(breakinfo, slots, log);
        this.disabledBy = placeholders.register(bps, overflowHandler, log);
    }

    /** The failure that disabled kgdb at kgdb_arch_late(), or null when it works. */
    public HwbpException disabledBy() {
        return disabledBy;
    }

    /** for_each_online_cpu(): the CPUs kgdb's events cover. */
    public int cpus() {
        return breakinfo.cpus();
    }

    public void setHitSink(HitSink sink) {
        overflowHandler.setHitSink(sink);
    }

    /** kgdb_arch_exit(): unregisters the pre-created events. */
    public void exit() {
        placeholders.exit();
    }

    /**
     * kgdb_set_hw_break(): the first free entry; BP_HARDWARE_BREAKPOINT becomes an execute breakpoint of
     * length 1, BP_WRITE_WATCHPOINT write, BP_ACCESS_WATCHPOINT read/write, anything else (x86 has no read
     * watchpoint) fails; length 1, 2, 4 or 8; then a slot on every online CPU.
     */
    public int setHwBreak(long addr, int len, KgdbBpType bptype) {
        int i = 0;
        while (i < HBP_NUM && breakinfo.get(i).enabled) {
            i++;
        }
        if (i == HBP_NUM) {
            lastFailure = "every breakinfo entry is in use";
            return -1;
        }
        BreakInfo b = breakinfo.get(i);
        if (bptype == KgdbBpType.BP_HARDWARE_BREAKPOINT) {
            len = 1;
            b.type = BreakpointSpec.X;
        } else if (bptype == KgdbBpType.BP_WRITE_WATCHPOINT) {
            b.type = BreakpointSpec.W;
        } else if (bptype == KgdbBpType.BP_ACCESS_WATCHPOINT) {
            b.type = BreakpointSpec.RW;
        } else {
            lastFailure = bptype + " is not supported on x86";
            return -1;
        }
        if (len != 1 && len != 2 && len != 4 && len != 8) {
            lastFailure = "length " + len + " is not 1, 2, 4 or 8";
            return -1;
        }
        b.len = len;
        b.addr = addr;
        if (slots.hwBreakReserveSlot(i) != 0) {
            b.addr = 0;
            return -1;
        }
        b.enabled = true;
        saved.reused(i);
        return 0;
    }

    /** Brings back a saved enabled entry after kgdb_arch_late(): {@link SavedBreakInfo#restoreEntry}. */
    public HwbpException restoreEntry(int i, KgdbState.BreakEntry e) {
        return saved.restoreEntry(i, e, disabledBy);
    }

    /** The entry's saved state that could not be restored, or null. */
    public Unrestored unrestored(int i) {
        return saved.unrestored(i);
    }

    /** What {@link KgdbState} keeps of breakinfo: enabled entries, and unrestored ones as they were saved. */
    public List<KgdbState.BreakEntry> snapshot() {
        return saved.snapshot();
    }

    /** Why the last failing call returned -1: a refused slot, or, after a restore, the saved reason. */
    void setLastFailure(String failure) {
        lastFailure = failure;
    }

    /** kgdb_remove_hw_break(): the enabled entry with that address (whatever its type and length). */
    public int removeHwBreak(long addr) {
        int i = 0;
        while (i < HBP_NUM && !(breakinfo.get(i).addr == addr && breakinfo.get(i).enabled)) {
            i++;
        }
        if (i == HBP_NUM) {
            lastFailure = String.format("no hw breakpoint at 0x%x", addr);
            return -1;
        }
        if (slots.hwBreakReleaseSlot(i) != 0) {
            log.accept(String.format("Cannot remove hw breakpoint at %x", addr));
            return -1;
        }
        breakinfo.get(i).enabled = false;
        return 0;
    }

    /** kgdb_remove_all_hw_break() on {@code cpu}: {@link PerCpuHwBreakOps#removeAllHwBreak}. */
    public void removeAllHwBreak(int cpu) {
        perCpu.removeAllHwBreak(cpu);
    }

    /** kgdb_disable_hw_debug() on {@code cpu}: {@link PerCpuHwBreakOps#disableHwDebug}. */
    public void disableHwDebug(int cpu) {
        perCpu.disableHwDebug(cpu);
    }

    /** kgdb_correct_hw_break() on {@code cpu}: {@link PerCpuHwBreakOps#correctHwBreak}. */
    public void correctHwBreak(int cpu) {
        perCpu.correctHwBreak(cpu);
    }

    /** kgdb_hw_overflow_handler(): {@link KgdbHwOverflowHandler#virtualDr6}. */
    long virtualDr6() {
        return overflowHandler.virtualDr6();
    }

    /** Why the last failing call returned -1 (gdb only ever sees E01). */
    public String lastFailure() {
        return lastFailure;
    }

    public List<Entry> entries() {
        return breakinfo.entries();
    }

    /** The entry whose per-CPU events include {@code bp}, or -1. */
    int entryOf(Breakpoint bp) {
        return breakinfo.entryOf(bp);
    }
}
