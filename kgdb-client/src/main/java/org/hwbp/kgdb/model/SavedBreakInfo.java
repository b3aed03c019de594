package org.hwbp.kgdb.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.kgdb.model.X86Kgdb.Unrestored;

/**
 * breakinfo across a restart of kgdb or the core: what {@link KgdbState} keeps of it, and the saved entries
 * brought back after kgdb_arch_late(). A saved entry whose slots were taken meanwhile is kept as
 * {@link Unrestored} and reported until gdb reuses its entry. Not thread-safe: only {@link X86Kgdb} uses it.
 */
final class SavedBreakInfo {
    private final BreakInfoTable breakinfo;
    private final HwBreakSlots slots;
    private final Consumer<String> log;
    /** Per entry: a saved entry that could not get its slots back when kgdb came back, or null. */
    private final Unrestored[] unrestored = new Unrestored[X86Kgdb.HBP_NUM];

    SavedBreakInfo(BreakInfoTable breakinfo, HwBreakSlots slots, Consumer<String> log) {
        this.breakinfo = breakinfo;
        this.slots = slots;
        this.log = log;
    }

    /**
     * Brings back a saved enabled entry after kgdb_arch_late(): its fields, then hw_break_reserve_slot() as
     * kgdb_set_hw_break() did. A refusal because a registration holds the lock right now is retried for a
     * while; any other refusal (ENOSPC: the slots were taken meanwhile) keeps the entry as {@link Unrestored}.
     * Returns null, or the refusal ({@code disabledBy} when kgdb_arch_late() failed).
     */
    HwbpException restoreEntry(int i, KgdbState.BreakEntry e, HwbpException disabledBy) {
        BreakInfo b = breakinfo.get(i);
        if (disabledBy != null) {
            unrestored[i] = new Unrestored(e, "kgdb disabled: " + disabledBy.getMessage());
            return disabledBy;
        }
        b.addr = e.addr();
        b.len = e.len();
        b.type = e.type();
        long deadline = System.nanoTime() + LatePlaceholders.RELEASE_PATIENCE_MS * 1_000_000;
        while (slots.hwBreakReserveSlot(i) != 0) {
            if (slots.lastRefusal().errno() != Errno.EBUSY || System.nanoTime() > deadline) {
                b.addr = 0;
                unrestored[i] = new Unrestored(e, slots.lastRefusal().getMessage());
                return slots.lastRefusal();
            }
            LockSupport.parkNanos(1_000_000);
        }
        b.enabled = true;
        unrestored[i] = null;
        return null;
    }

    /** The entry's saved state that could not be restored, or null. */
    Unrestored unrestored(int i) {
        return unrestored[i];
    }

    /** What {@link KgdbState} keeps of breakinfo: enabled entries, and unrestored ones as they were saved. */
    List<KgdbState.BreakEntry> snapshot() {
        List<KgdbState.BreakEntry> l = new ArrayList<>();
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            BreakInfo b = breakinfo.get(i);
            if (b.enabled) {
                l.add(new KgdbState.BreakEntry(b.addr, b.len, b.type));
            } else {
                l.add(unrestored[i] == null ? null : unrestored[i].entry());
            }
        }
        return l;
    }

    /** kgdb_set_hw_break() took entry {@code i}: the unrestored entry there, if any, is dropped. */
    void reused(int i) {
        if (unrestored[i] != null) {
            log.accept(String.format("kgdb: breakinfo[%d] reused: the unrestored entry at 0x%x is dropped", i,
                    unrestored[i].entry().addr()));
            unrestored[i] = null;
        }
    }
}
