package org.hwbp.core.x86;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Predicate;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.machine.Cpu;

/**
 * The per-CPU state arch/x86/kernel/hw_breakpoint.c keeps: {@code cpu_dr7} (the DR7 Linux wants),
 * {@code cpu_debugreg[4]} (shadow of DR0–3) and {@code bp_per_reg[4]} (which event owns physical slot i), with
 * arch_install_hw_breakpoint(), arch_uninstall_hw_breakpoint(), hw_breakpoint_active() and
 * hw_breakpoint_restore(). Hardware is written only while the host holds the CPU; otherwise only the shadows
 * move and the CPU is marked so that the registers are restored when the host gets them back.
 *
 * @param <B> the event type owning a slot
 */
public final class CpuShadow<B> {
    public static final int HBP_NUM = 4;

    private final Cpu cpu;
    /** The per-CPU variable cpu_dr7: zero until something is installed. */
    private volatile long cpuDr7;
    private final long[] cpuDebugreg = new long[HBP_NUM];
    /** Read without the lock by claims and the #DB handler; written under it. */
    private final AtomicReferenceArray<B> bpPerReg = new AtomicReferenceArray<>(HBP_NUM);
    /**
     * Slot hints after a restart of the core: the key of the event that occupied slot i before (its owner and
     * id), so that it gets the same physical slot back when it returns. Guarded by the CPU lock.
     */
    private final Object[] slotHint = new Object[HBP_NUM];

    public CpuShadow(Cpu cpu) {
        this.cpu = cpu;
    }

    public Cpu cpu() {
        return cpu;
    }

    /**
     * arch_install_hw_breakpoint(): the lowest free slot; DRi ← address; cpu_dr7 |= encode_dr7() first, then
     * DR7 ← cpu_dr7 (so an NMI never sees a live DR7 with a stale shadow). Returns the slot; EBUSY when all four
     * are taken (the kernel's WARN "Can't find any breakpoint slot").
     */
    public int install(B bp, ArchInfo info) {
        return install(bp, info, null);
    }

    /**
     * {@link #install(Object, ArchInfo)} honouring the slot hints: the slot hinted for {@code key} if it is free;
     * otherwise the lowest free slot no returning event is expected in, and only then a hinted one (whose hint
     * is dropped). Without hints this is exactly the lowest free slot.
     */
    public int install(B bp, ArchInfo info, Object key) {
        cpu.lock().lock();
        try {
            int slot = pickSlot(key);
            if (slot < 0) {
                throw new HwbpException(Errno.EBUSY, "can't find any breakpoint slot on CPU " + cpu.index());
            }
            bpPerReg.set(slot, bp);
            slotHint[slot] = null;
            cpuDebugreg[slot] = info.address();
            writeHardware(slot, info.address());
            cpuDr7 |= Dr7.encode(slot, info.len(), info.type());
            writeHardware(7, cpuDr7);
            return slot;
        } finally {
            cpu.unlockAndApplyPending();
        }
    }

    /**
     * arch_uninstall_hw_breakpoint(): clears the slot's G bit and R/W+LEN nibble (GE stays set), writes the
     * hardware DR7 first, then the shadow. DRi and cpu_debugreg[i] keep the stale address. Returns the slot it
     * was in, or -1 if {@code bp} was not installed here.
     */
    public int uninstall(B bp) {
        cpu.lock().lock();
        try {
            int slot = slotOf(bp);
            if (slot < 0) {
                return -1;
            }
            bpPerReg.set(slot, null);
            long dr7 = cpuDr7 & ~(Dr7.globalEnable(slot) | Dr7.controlMask(slot));
            writeHardware(7, dr7);
            cpuDr7 = dr7;
            return slot;
        } finally {
            cpu.unlockAndApplyPending();
        }
    }

    /** The caller holds the CPU lock. */
    private int pickSlot(Object key) {
        int firstFree = -1;
        int firstUnhinted = -1;
        for (int i = 0; i < HBP_NUM; i++) {
            if (bpPerReg.get(i) != null) {
                continue;
            }
            if (key != null && key.equals(slotHint[i])) {
                return i;
            }
            if (firstFree < 0) {
                firstFree = i;
            }
            if (firstUnhinted < 0 && slotHint[i] == null) {
                firstUnhinted = i;
            }
        }
        return firstUnhinted >= 0 ? firstUnhinted : firstFree;
    }

    /**
     * Loads the state a restarted core had before its stop, with no slot occupied yet: the shadows as they would
     * be after arch_uninstall_hw_breakpoint() of every occupant (G bit and R/W-LEN cleared, GE and stale addresses
     * kept), and a hint per occupied slot. When the occupants are installed again in their hinted slots, in any
     * order, cpu_dr7 and cpu_debugreg end exactly as they were. The hardware is the caller's.
     */
    public void restoreState(long dr7, long[] debugreg, Object[] hints) {
        cpu.lock().lock();
        try {
            long d = dr7;
            for (int i = 0; i < HBP_NUM; i++) {
                cpuDebugreg[i] = debugreg[i];
                slotHint[i] = hints[i];
                if (hints[i] != null) {
                    d &= ~(Dr7.globalEnable(i) | Dr7.controlMask(i));
                }
            }
            cpuDr7 = d;
        } finally {
            cpu.lock().unlock();
        }
    }

    /** The hint of a free slot, or null. */
    public Object hint(int slot) {
        cpu.lock().lock();
        try {
            return slotHint[slot];
        } finally {
            cpu.lock().unlock();
        }
    }

    /** Drops the hints whose key {@code stale} accepts (their event will not come back). */
    public void dropHints(Predicate<Object> stale) {
        cpu.lock().lock();
        try {
            for (int i = 0; i < HBP_NUM; i++) {
                if (slotHint[i] != null && stale.test(slotHint[i])) {
                    slotHint[i] = null;
                }
            }
        } finally {
            cpu.lock().unlock();
        }
    }

    private void writeHardware(int dr, long value) {
        if (cpu.hostHoldsHardware()) {
            cpu.registers().write(dr, value);
        } else {
            cpu.markShadowChanged();
        }
    }

    /** hw_breakpoint_restore(): DR0..DR3 ← shadows, DR6 ← 0xFFFF0FF0, DR7 ← cpu_dr7: six writes, no read. */
    public void restore() {
        cpu.lock().lock();
        try {
            restoreLocked();
        } finally {
            cpu.unlockAndApplyPending();
        }
    }

    /** hw_breakpoint_restore() with the CPU lock already held. */
    public void restoreLocked() {
        cpu.registers().writeAll(cpuDebugreg, Dr6.RESET, cpuDr7);
    }

    /** hw_breakpoint_active(): a global-enable bit in the shadow (never reads the hardware). */
    public boolean active() {
        return (cpuDr7 & Dr7.GLOBAL_ENABLE_MASK) != 0;
    }

    public int slotOf(Object bp) {
        for (int i = 0; i < HBP_NUM; i++) {
            if (bpPerReg.get(i) == bp) {
                return i;
            }
        }
        return -1;
    }

    /** bp_per_reg[slot], or null. */
    public B owner(int slot) {
        return bpPerReg.get(slot);
    }

    public long dr7() {
        return cpuDr7;
    }

    public long address(int slot) {
        cpu.lock().lock();
        try {
            return cpuDebugreg[slot];
        } finally {
            cpu.lock().unlock();
        }
    }

    /** Number of occupied physical slots. */
    public int installedCount() {
        int n = 0;
        for (int i = 0; i < HBP_NUM; i++) {
            if (bpPerReg.get(i) != null) {
                n++;
            }
        }
        return n;
    }
}
