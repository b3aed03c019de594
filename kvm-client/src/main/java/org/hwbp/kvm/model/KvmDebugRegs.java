package org.hwbp.kvm.model;

/**
 * The debug-register constants KVM uses ({@code arch/x86/include/asm/kvm_host.h},
 * {@code arch/x86/include/uapi/asm/kvm.h}, {@code arch/x86/include/uapi/asm/debugreg.h}).
 */
public final class KvmDebugRegs {
    /** DR6 reset value; KVM's DR6_ACTIVE_LOW (the uapi DR6_RESERVED). */
    public static final long DR6_ACTIVE_LOW = 0xFFFF0FF0L;
    /** DR6 bits a guest can change. */
    public static final long DR6_VOLATILE = 0x0001E80FL;
    /** DR6 bits that always read 1 (DR6_ACTIVE_LOW minus the volatile ones). */
    public static final long DR6_FIXED_1 = 0xFFFE07F0L;
    /** DR6.BLD, active low: forced to 1 for a guest without bus-lock detection. */
    public static final long DR6_BUS_LOCK = 1L << 11;
    /** DR6.BD, debug-register access detected. */
    public static final long DR6_BD = 1L << 13;
    /** DR6.BS, single step. */
    public static final long DR6_BS = 1L << 14;
    /** DR6.RTM, active low: forced to 1 for a guest without RTM. */
    public static final long DR6_RTM = 1L << 16;
    /** B0–B3. */
    public static final long DR_TRAP_BITS = 0xFL;

    /** DR7 reset value; bit 10 reads 1. */
    public static final long DR7_FIXED_1 = 0x400L;
    /** DR7 bits a guest can change. */
    public static final long DR7_VOLATILE = 0xFFFF2BFFL;
    /** The L and G enable bits of DR0–3. */
    public static final long DR7_BP_EN_MASK = 0xFFL;
    /** DR7.GD, general detect. */
    public static final long DR7_GD = 1L << 13;

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
        return DR6_FIXED_1 | DR6_RTM | DR6_BUS_LOCK;
    }

    /** The register MOV to/from DRn names: DR4 and DR5 alias DR6 and DR7 while CR4.DE is clear. */
    public static int alias(int dr) {
        return dr == 4 ? 6 : dr == 5 ? 7 : dr;
    }
}
