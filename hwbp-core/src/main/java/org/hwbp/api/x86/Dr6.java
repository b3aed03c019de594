package org.hwbp.api.x86;

/** DR6 bit layout (arch/x86/include/uapi/asm/debugreg.h, traps.c: debug_read_reset_dr6()). */
public final class Dr6 {
    /** DR6_RESERVED, the architectural reset value; KVM calls it DR6_ACTIVE_LOW. */
    public static final long RESET = 0xFFFF0FF0L;
    /** DR_TRAP_BITS: B0-B3. */
    public static final long TRAP_BITS = 0xF;
    /** BD: debug-register access detected. */
    public static final long BD = 0x2000;
    /** DR_STEP (BS). */
    public static final long BS = 0x4000;
    /** DR_SWITCH (BT). */
    public static final long BT = 0x8000;
    /** DR_BUS_LOCK (active low). */
    public static final long BUS_LOCK = 0x800;
    /** DR6_VOLATILE (KVM). */
    public static final long VOLATILE = 0x0001E80FL;
    /** DR6_FIXED_1 (KVM). */
    public static final long FIXED_1 = 0xFFFE07F0L;

    private Dr6() {
    }

    /** Architectural polarity → positive polarity (every meaningful bit 1 = happened). */
    public static long toPositive(long dr6) {
        return dr6 ^ RESET;
    }

    /** The trap bit of slot i. */
    public static long trap(int slot) {
        return 1L << slot;
    }
}
