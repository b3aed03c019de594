package org.hwbp.kvm.model;

import static org.hwbp.kvm.model.KvmDebugRegs.DEBUGREG_BP_ENABLED;
import static org.hwbp.kvm.model.KvmDebugRegs.DEBUGREG_WONT_EXIT;
import static org.hwbp.kvm.model.KvmDebugRegs.DR7_BP_EN_MASK;
import static org.hwbp.kvm.model.KvmDebugRegs.DR7_VOLATILE;
import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_ENABLE;
import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_USE_HW_BP;
import static org.hwbp.kvm.model.KvmDebugRegs.UPPER_HALF;

import java.util.Arrays;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;

/**
 * One vCPU's debug state, the fields of {@code struct kvm_vcpu_arch} that KVM's debug-register code uses, plus
 * the two VMCS bits of state that matter here ({@code GUEST_DR7} and MOV-DR exiting, which is off exactly
 * while WONT_EXIT is set). Not thread-safe: {@link Kvm} runs every operation on a vCPU under its lock.
 *
 * <p>The lazy window between runs: in Linux a guest MOV-DR that opens the WONT_EXIT window is re-executed
 * natively right away, inside the same KVM_RUN. Here a vCPU runs only during {@code kvm:run}, so a guest MOV-DR
 * issued with {@code kvm:guest-dr} while the window is open is recorded as what the hardware would hold
 * ({@code db}/{@code eff_db}, {@code dr6}, {@code dr7} and {@code GUEST_DR7}); the next entry loads exactly
 * those values and the exit after it syncs them back. Because the state already holds the window's values
 * between runs, closing a window between runs needs no hardware read ({@link #closeWindowBetweenRuns()}).
 */
public final class Vcpu {
    private final int vm;
    private final int index;

    /** Guest-visible DR0–3. */
    final long[] db = new long[4];
    /** What VM entry loads into hardware DR0–3: db, or the host debugger's addresses under USE_HW_BP. */
    final long[] effDb = new long[4];
    long dr6;
    long dr7;
    int guestDebug;
    long guestDebugDr7;
    int switchDbRegs;
    /** The VMCS GUEST_DR7 field: loaded by VM entry, saved by VM exit (kvm_update_dr7 writes it). */
    long vmcsGuestDr7;

    Vcpu(int vm, int index) {
        this.vm = vm;
        this.index = index;
        reset();
    }

    /** A vCPU with its saved debug state, exactly as it was (no reset, no recomputed field). */
    static Vcpu restore(int vm, int index, KvmState.VcpuState s) {
        Vcpu v = new Vcpu(vm, index);
        for (int i = 0; i < 4; i++) {
            v.db[i] = s.db().get(i);
            v.effDb[i] = s.effDb().get(i);
        }
        v.dr6 = s.dr6();
        v.dr7 = s.dr7();
        v.guestDebug = s.guestDebug();
        v.guestDebugDr7 = s.guestDebugDr7();
        v.switchDbRegs = s.switchDbRegs();
        v.vmcsGuestDr7 = s.vmcsGuestDr7();
        return v;
    }

    /** The debug state {@link KvmState} keeps. Call under this vCPU's lock. */
    KvmState.VcpuState snapshot() {
        return new KvmState.VcpuState(Arrays.stream(db).boxed().toList(),
                Arrays.stream(effDb).boxed().toList(), dr6, dr7, guestDebug, guestDebugDr7, switchDbRegs,
                vmcsGuestDr7);
    }

    public int vm() {
        return vm;
    }

    public int index() {
        return index;
    }

    /** kvm_vcpu_reset(): DR0–3 = 0, DR6 = 0xFFFF0FF0, DR7 = 0x400; then kvm_update_dr0123/kvm_update_dr7. */
    private void reset() {
        for (int i = 0; i < 4; i++) {
            db[i] = 0;
        }
        dr6 = Dr6.RESET;
        dr7 = Dr7.FIXED_1;
        updateDr0123();
        updateDr7();
    }

    /** kvm_update_dr0123(): eff_db follows db unless the host debugger owns the addresses. */
    void updateDr0123() {
        if ((guestDebug & GUESTDBG_USE_HW_BP) == 0) {
            System.arraycopy(db, 0, effDb, 0, 4);
        }
    }

    /**
     * kvm_update_dr7(): the effective DR7 (the debugger's under USE_HW_BP) goes into the VMCS (a field write,
     * not a DR access) and BP_ENABLED follows its enable bits.
     */
    void updateDr7() {
        long eff = (guestDebug & GUESTDBG_USE_HW_BP) != 0 ? guestDebugDr7 : dr7;
        vmcsGuestDr7 = eff;
        switchDbRegs &= ~DEBUGREG_BP_ENABLED;
        if ((eff & DR7_BP_EN_MASK) != 0) {
            switchDbRegs |= DEBUGREG_BP_ENABLED;
        }
    }

    /**
     * kvm_set_dr(): false where KVM injects #GP (bits 63:32 of DR6/DR7). {@code dr} is 0..7 with DR4/DR5
     * aliasing DR6/DR7 (CR4.DE clear).
     */
    boolean setDr(int dr, long value) {
        int n = KvmDebugRegs.alias(dr);
        if (n < 4) {
            db[n] = value;
            if ((guestDebug & GUESTDBG_USE_HW_BP) == 0) {
                effDb[n] = value;
            }
            return true;
        }
        if ((value & UPPER_HALF) != 0) {
            return false;
        }
        if (n == 6) {
            dr6 = (value & Dr6.VOLATILE) | KvmDebugRegs.dr6Fixed();
        } else {
            dr7 = (value & DR7_VOLATILE) | Dr7.FIXED_1;
            updateDr7();
        }
        return true;
    }

    /** kvm_get_dr(): the guest-visible values (the guest's own, even while a host debugger owns the hardware). */
    long getDr(int dr) {
        int n = KvmDebugRegs.alias(dr);
        return n < 4 ? db[n] : n == 6 ? dr6 : dr7;
    }

    /**
     * A MOV to DRn the guest executes natively inside the WONT_EXIT window: the hardware takes it (DR7 lands in
     * what VM exit saves to GUEST_DR7); false where the CPU itself raises #GP (bits 63:32 of DR6/DR7).
     */
    boolean writeNative(int dr, long value) {
        int n = KvmDebugRegs.alias(dr);
        if (n < 4) {
            db[n] = value;
            effDb[n] = value;
            return true;
        }
        if ((value & UPPER_HALF) != 0) {
            return false;
        }
        if (n == 6) {
            dr6 = (value & Dr6.VOLATILE) | KvmDebugRegs.dr6Fixed();
        } else {
            dr7 = (value & DR7_VOLATILE) | Dr7.FIXED_1;
            vmcsGuestDr7 = dr7;
        }
        return true;
    }

    /** A MOV from DRn executed natively inside the window reads the hardware. */
    long readNative(int dr) {
        int n = KvmDebugRegs.alias(dr);
        return n < 4 ? effDb[n] : n == 6 ? dr6 : vmcsGuestDr7;
    }

    boolean wontExit() {
        return (switchDbRegs & DEBUGREG_WONT_EXIT) != 0;
    }

    /** handle_dr() with guest_debug == 0: clear MOV-DR exiting and let the guest own the DRs until the next exit. */
    void openWindow() {
        switchDbRegs |= DEBUGREG_WONT_EXIT;
    }

    /**
     * After a VM exit that ends the window: vmx_sync_dirty_debug_regs() reads DR0–3 and DR6 back (5 reads),
     * takes DR7 from the VMCS (not a DR access), clears WONT_EXIT, re-arms MOV-DR exiting and resets DR6 for the
     * host's #DB handler (1 write); then kvm_update_dr0123() and kvm_update_dr7().
     */
    void syncDirtyDebugRegs(DebugRegisters regs) {
        for (int i = 0; i < 4; i++) {
            db[i] = regs.read(i);
        }
        dr6 = regs.read(6);
        dr7 = vmcsGuestDr7;
        switchDbRegs &= ~DEBUGREG_WONT_EXIT;
        regs.write(6, Dr6.RESET);
        updateDr0123();
        updateDr7();
    }

    /**
     * What sync_dirty_debug_regs() + kvm_update_dr0123() + kvm_update_dr7() leave when the window ends between
     * runs: the state already holds the hardware's values (see the class comment), so only the flag, the
     * interception (implied by the flag) and the derived fields change.
     */
    void closeWindowBetweenRuns() {
        switchDbRegs &= ~DEBUGREG_WONT_EXIT;
        updateDr0123();
        updateDr7();
    }

    /**
     * kvm_arch_vcpu_ioctl_set_guest_debug(): guest_debug ← control (0 without ENABLE); under USE_HW_BP eff_db and
     * guest_debug_dr7 come from the debugger and the guest's db/dr7 stay as shadows; then kvm_update_dr7().
     */
    void setGuestDebug(int control, long[] debugreg) {
        if (wontExit()) {
            // KVM_RUN never returns to user space with WONT_EXIT set (the exit after the window syncs it).
            closeWindowBetweenRuns();
        }
        guestDebug = (control & GUESTDBG_ENABLE) != 0 ? control : 0;
        if ((guestDebug & GUESTDBG_USE_HW_BP) != 0) {
            System.arraycopy(debugreg, 0, effDb, 0, 4);
            guestDebugDr7 = debugreg[7];
        } else {
            System.arraycopy(db, 0, effDb, 0, 4);
        }
        updateDr7();
    }

    /**
     * Delivery of a #DB with {@code payload} (positive polarity, as the VMX exit qualification):
     * kvm_deliver_exception_payload() updates the virtual DR6, then the injection clears DR7.GD.
     */
    void deliverDbPayload(long payload) {
        dr6 &= ~Dr6.TRAP_BITS;
        dr6 |= Dr6.RESET;
        dr6 |= payload;
        dr6 ^= payload & Dr6.RESET;
        dr6 &= ~(1L << 12);
        if ((dr7 & Dr7.GD) != 0) {
            dr7 &= ~Dr7.GD;
            updateDr7();
        }
    }

    // ---- read-only views for the shell and tests

    public long db(int i) {
        return db[i];
    }

    public long effDb(int i) {
        return effDb[i];
    }

    public long dr6() {
        return dr6;
    }

    public long dr7() {
        return dr7;
    }

    public int guestDebug() {
        return guestDebug;
    }

    public long guestDebugDr7() {
        return guestDebugDr7;
    }

    public int switchDbRegs() {
        return switchDbRegs;
    }

    /** The effective DR7 VM entry loads (VMCS GUEST_DR7). */
    public long vmcsGuestDr7() {
        return vmcsGuestDr7;
    }
}
