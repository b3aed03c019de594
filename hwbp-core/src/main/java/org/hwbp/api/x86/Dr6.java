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
    /** DR6_RTM (active low): the #DB happened inside an RTM transaction. */
    public static final long RTM = 0x10000;
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

    /**
     * The bits that report something, read in positive polarity as debug_read_reset_dr6() does, as hwbp:regs and
     * the Web Console show them: {@code B0 B1 BS}, {@code BLD RTM}, or {@code none}.
     */
    public static String describe(long dr6) {
        long p = toPositive(dr6);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; trap(i) <= TRAP_BITS; i++) {
            if ((p & trap(i)) != 0) {
                sb.append("B").append(i).append(' ');
            }
        }
        long[] bits = {BUS_LOCK, BD, BS, BT, RTM};
        String[] names = {"BLD", "BD", "BS", "BT", "RTM"};
        for (int i = 0; i < bits.length; i++) {
            if ((p & bits[i]) != 0) {
                sb.append(names[i]).append(' ');
            }
        }
        return sb.length() == 0 ? "none" : sb.toString().trim();
    }
}
