package org.hwbp.api.x86;

/**
 * DR7 bit layout and the encode/decode helpers of arch/x86/kernel/hw_breakpoint.c and
 * arch/x86/include/uapi/asm/debugreg.h.
 */
public final class Dr7 {
    /** DR7_FIXED_1: bit 10 reads as 1; the reset value, and what Linux writes to "disable" DR7 since 2025. */
    public static final long FIXED_1 = 0x400;
    public static final long RESET = FIXED_1;
    /** DR_LOCAL_ENABLE_MASK. */
    public static final long LOCAL_ENABLE_MASK = 0x55;
    /** DR_GLOBAL_ENABLE_MASK. */
    public static final long GLOBAL_ENABLE_MASK = 0xAA;
    /** DR_LOCAL_SLOWDOWN (LE). */
    public static final long LE = 0x100;
    /** DR_GLOBAL_SLOWDOWN (GE): encode_dr7() adds it to every installed breakpoint. */
    public static final long GE = 0x200;
    /** DR7_GD: general detect. */
    public static final long GD = 0x2000;
    /** DR_CONTROL_SHIFT. */
    public static final int CONTROL_SHIFT = 16;
    /** DR_CONTROL_SIZE. */
    public static final int CONTROL_SIZE = 4;
    /** DR_ENABLE_SIZE. */
    public static final int ENABLE_SIZE = 2;
    /** DR_CONTROL_RESERVED on x86-64: bits 10-15 and 32-63 (ptrace strips them). */
    public static final long CONTROL_RESERVED = 0xFFFFFFFF_0000FC00L;
    /** DR_RW_EXECUTE, DR_RW_WRITE, DR_RW_READ (read/write). */
    public static final int RW_EXECUTE = 0x0;
    public static final int RW_WRITE = 0x1;
    public static final int RW_IO = 0x2;
    public static final int RW_READ = 0x3;

    private Dr7() {
    }

    /** encode_dr7(): the slot's R/W+LEN nibble, its G bit, and GE. {@code len}/{@code type} are arch codes. */
    public static long encode(int slot, int archLen, int archType) {
        long bp = ((long) ((archLen | archType) & 0xf)) << (CONTROL_SHIFT + slot * CONTROL_SIZE);
        return bp | globalEnable(slot) | GE;
    }

    /** The G bit of a slot (__encode_dr7 sets it). */
    public static long globalEnable(int slot) {
        return 0x2L << (slot * ENABLE_SIZE);
    }

    /** The L bit of a slot. */
    public static long localEnable(int slot) {
        return 0x1L << (slot * ENABLE_SIZE);
    }

    /** The R/W+LEN nibble of a slot, in place. */
    public static long controlMask(int slot) {
        return 0xfL << (CONTROL_SHIFT + slot * CONTROL_SIZE);
    }

    /** Whether a slot has L or G set (decode_dr7's return value being non-zero). */
    public static boolean enabled(long dr7, int slot) {
        return ((dr7 >>> (slot * ENABLE_SIZE)) & 0x3) != 0;
    }

    /** The R/W bits (two) of a slot. */
    public static int rw(long dr7, int slot) {
        return (int) (dr7 >>> (CONTROL_SHIFT + slot * CONTROL_SIZE)) & 0x3;
    }

    /** The LEN bits (two) of a slot. */
    public static int lenBits(long dr7, int slot) {
        return (int) (dr7 >>> (CONTROL_SHIFT + slot * CONTROL_SIZE + 2)) & 0x3;
    }

    /** Bytes covered by the LEN bits: 00 → 1, 01 → 2, 11 → 4, 10 → 8. */
    public static int lenBytes(int lenBits) {
        switch (lenBits & 3) {
            case 0: return 1;
            case 1: return 2;
            case 3: return 4;
            default: return 8;
        }
    }

    /** What DR7 says of one slot, as hwbp:regs and the Web Console show it: {@code G w/4}, {@code GL rw/8}, or {@code off}. */
    public static String describeSlot(long dr7, int slot) {
        if (!enabled(dr7, slot)) {
            return "off";
        }
        return ((dr7 & globalEnable(slot)) != 0 ? "G" : "") + ((dr7 & localEnable(slot)) != 0 ? "L" : "") + " "
                + rwName(rw(dr7, slot)) + "/" + lenBytes(lenBits(dr7, slot));
    }

    /** A human reading, e.g. {@code G0 rw/4 GE}. */
    public static String describe(long dr7) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            boolean l = (dr7 & localEnable(i)) != 0;
            boolean g = (dr7 & globalEnable(i)) != 0;
            if (l || g) {
                sb.append(g ? "G" : "").append(l ? "L" : "").append(i).append(' ')
                        .append(rwName(rw(dr7, i))).append('/').append(lenBytes(lenBits(dr7, i))).append(' ');
            }
        }
        if ((dr7 & LE) != 0) {
            sb.append("LE ");
        }
        if ((dr7 & GE) != 0) {
            sb.append("GE ");
        }
        if ((dr7 & GD) != 0) {
            sb.append("GD ");
        }
        return sb.length() == 0 ? "none" : sb.toString().trim();
    }

    private static String rwName(int rw) {
        switch (rw) {
            case RW_EXECUTE: return "x";
            case RW_WRITE: return "w";
            case RW_IO: return "io";
            default: return "rw";
        }
    }
}
