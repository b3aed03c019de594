package org.hwbp.core.x86;

import org.hwbp.api.x86.Dr7;

/**
 * struct arch_hw_breakpoint: what hw_breakpoint_arch_parse() derives from the attributes.
 *
 * @param address the linear address
 * @param len the arch length code ({@link #LEN_1}..{@link #LEN_8}; execute uses LEN_1)
 * @param type the arch type code ({@link #EXECUTE}, {@link #WRITE}, {@link #RW})
 * @param mask the AMD address mask (0 without range breakpoints)
 */
public record ArchInfo(long address, int len, int type, long mask) {
    public static final int LEN_1 = 0x40;
    public static final int LEN_2 = 0x44;
    public static final int LEN_4 = 0x4C;
    public static final int LEN_8 = 0x48;
    public static final int LEN_X = LEN_1;
    public static final int EXECUTE = 0x80;
    public static final int WRITE = 0x81;
    public static final int RW = 0x83;

    /** decode_dr7(): the arch length code 0x40 | LEN bits of a slot. */
    public static int decodeLen(long dr7, int slot) {
        return LEN_1 | (Dr7.lenBits(dr7, slot) << 2);
    }

    /** decode_dr7(): the arch type code 0x80 | R/W bits of a slot (R/W = 10 decodes to 0x82, refused later). */
    public static int decodeType(long dr7, int slot) {
        return EXECUTE | Dr7.rw(dr7, slot);
    }

    /** The decoded length in bytes (1 for execute, as arch_check_bp_in_kernelspace uses it). */
    public int bytes() {
        return Dr7.lenBytes((len >> 2) & 3);
    }

    public boolean isExecute() {
        return type == EXECUTE;
    }
}
