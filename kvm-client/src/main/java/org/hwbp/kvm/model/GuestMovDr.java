package org.hwbp.kvm.model;

import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_USE_HW_BP;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.support.Args;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;

/**
 * The guest's MOV to/from DRn: either the DR-access exit, handled by handle_dr() ({@code arch/x86/kvm/vmx/vmx.c})
 * with kvm_set_dr()/kvm_get_dr() ({@code arch/x86/kvm/x86.c}), or, in the WONT_EXIT window, the instruction
 * executed natively. Call under the vCPU's lock.
 */
final class GuestMovDr {

    private GuestMovDr() {
    }

    static void checkDr(int dr) {
        if (dr < 0 || dr > 7) {
            throw new HwbpException(Errno.EINVAL, "no debug register DR" + dr + " (0..7)");
        }
    }

    /**
     * The guest's MOV-DR. In the WONT_EXIT window the instruction runs natively; otherwise it exits and
     * handle_dr() decides, in its order: DR4/DR5 with CR4.DE would be #UD (CR4.DE is clear in this model, so they
     * alias DR6/DR7); CPL > 0 would be #GP (the guest kernel runs at CPL 0 here); GD set in GUEST_DR7 → the
     * general-detect #DB, to user space under USE_HW_BP, else injected; guest_debug == 0 (and lazy DR access,
     * which the 2009 code lacked) → open the window and re-execute natively; else emulate with
     * kvm_set_dr()/kvm_get_dr().
     */
    static String execute(Vcpu v, int dr, boolean write, long value, EntryPolicy policy) {
        if (v.wontExit()) {
            if ((v.vmcsGuestDr7 & Dr7.GD) != 0) {
                // A native MOV-DR with GD set faults with #DB; VMX intercepts it, the exit ends the window, and
                // with guest_debug == 0 handle_exception_nmi() reinjects it with payload BD.
                v.closeWindowBetweenRuns();
                v.deliverDbPayload(Dr6.BD);
                return "exit exception_nmi #DB injected dr6=" + Args.hex(v.dr6) + " (WONT_EXIT window closed)";
            }
            return "no exit (WONT_EXIT)" + nativeMov(v, dr, write, value);
        }
        if ((v.vmcsGuestDr7 & Dr7.GD) != 0) {
            if ((v.guestDebug & GUESTDBG_USE_HW_BP) != 0) {
                return "exit debug #DB dr6=" + Args.hex(Dr6.BD | Dr6.RESET);
            }
            v.deliverDbPayload(Dr6.BD);
            return "exit dr_access #DB injected dr6=" + Args.hex(v.dr6);
        }
        if (v.guestDebug == 0 && policy == EntryPolicy.TODAY) {
            v.openWindow();
            return "exit dr_access: WONT_EXIT set, re-executed natively" + nativeMov(v, dr, write, value);
        }
        if (!write) {
            return "exit dr_access emulated value=" + Args.hex(v.getDr(dr));
        }
        return v.setDr(dr, value) ? "exit dr_access emulated" : "exit dr_access #GP injected";
    }

    /** The native execution inside the window: the hardware takes or returns the value, or raises #GP. */
    private static String nativeMov(Vcpu v, int dr, boolean write, long value) {
        if (!write) {
            return " value=" + Args.hex(v.readNative(dr));
        }
        return v.writeNative(dr, value) ? "" : ": #GP in the guest";
    }
}
