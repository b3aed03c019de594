package org.hwbp.kvm.model;

import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.x86.Dr7;

/**
 * vcpu_enter_guest() of Linux 6.12 (VMX) around one entry + exit of a vCPU: its switch_db_regs
 * (KVM_DEBUGREG_BP_ENABLED, KVM_DEBUGREG_WONT_EXIT) decides what is loaded, kvm_x86_ops.sync_dirty_debug_regs
 * ends the WONT_EXIT window, and hw_breakpoint_restore() gives the host its registers back only when it uses them.
 */
final class DebugRegSwitchToday implements DebugRegSwitch {
    private final Vcpu v;

    private DebugRegSwitchToday(Vcpu v) {
        this.v = v;
    }

    /**
     * vcpu_enter_guest() before entry (6.12, VMX): with switch_db_regs set, DR7 ← 0x400 then DR0–3 ← eff_db
     * and, in the WONT_EXIT window, vmx_vcpu_run() loads DR6 ← the guest's dr6 (KVM_RUN_LOAD_GUEST_DR6); else
     * if the host has active breakpoints, DR7 ← 0x400 so none fires on the entry path.
     */
    static DebugRegSwitchToday beforeEntry(Vcpu v, DebugRegisters regs) {
        if (v.switchDbRegs != 0) {
            regs.write(7, Dr7.FIXED_1);
            for (int i = 0; i < 4; i++) {
                regs.write(i, v.effDb[i]);
            }
            if (v.wontExit()) {
                regs.write(6, v.dr6);
            }
        } else if (regs.hwBreakpointActive()) {
            regs.write(7, Dr7.FIXED_1);
        }
        return new DebugRegSwitchToday(v);
    }

    /**
     * vcpu_enter_guest() after exit: the window's state is synced back; then, only if the host has active
     * breakpoints, hw_breakpoint_restore() from the shadows (the guest left at least DR7 disabled, and stale
     * DR0–3 do not matter to an idle host).
     */
    @Override
    public void afterExit(DebugRegisters regs) {
        if (v.wontExit()) {
            v.syncDirtyDebugRegs(regs);
        }
        if (regs.hwBreakpointActive()) {
            regs.hwBreakpointRestore();
        }
    }
}
