package org.hwbp.kvm.model;

import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;

/**
 * The debug-register constants KVM adds to the architectural layout of {@link Dr6} and {@link Dr7}
 * ({@code arch/x86/include/asm/kvm_host.h}, {@code arch/x86/include/uapi/asm/kvm.h}).
 */
public final class KvmDebugRegs {
    /** DR6.RTM, active low: forced to 1 for a guest without RTM. */
    public static final long DR6_RTM = 1L << 16;

    /** DR7 bits a guest can change. */
    public static final long DR7_VOLATILE = 0xFFFF2BFFL;
    /** The L and G enable bits of DR0–3. */
    public static final long DR7_BP_EN_MASK = Dr7.LOCAL_ENABLE_MASK | Dr7.GLOBAL_ENABLE_MASK;

    /** Bits 63:32 of DR6/DR7: kvm_dr6_valid()/kvm_dr7_valid() refuse any of them. */
    public static final long UPPER_HALF = 0xFFFFFFFF00000000L;

    /** KVM_GUESTDBG_* control flags of KVM_SET_GUEST_DEBUG (USE_SW_BP, INJECT_DB/BP, BLOCKIRQ are not modelled). */
    public static final int GUESTDBG_ENABLE = 0x1;
    public static final int GUESTDBG_SINGLESTEP = 0x2;
    public static final int GUESTDBG_USE_HW_BP = 0x20000;

    /** KVM_DEBUGREG_* bits of switch_db_regs. */
    public static final int DEBUGREG_BP_ENABLED = 1;
    public static final int DEBUGREG_WONT_EXIT = 2;

    private KvmDebugRegs() {
    }

    /** kvm_dr6_fixed() for a guest with neither RTM nor bus-lock detection: 0xFFFF0FF0. */
    public static long dr6Fixed() {
        return Dr6.FIXED_1 | DR6_RTM | Dr6.BUS_LOCK;
    }

    /** The register MOV to/from DRn names: DR4 and DR5 alias DR6 and DR7 while CR4.DE is clear. */
    public static int alias(int dr) {
        return dr == 4 ? 6 : dr == 5 ? 7 : dr;
    }
}
