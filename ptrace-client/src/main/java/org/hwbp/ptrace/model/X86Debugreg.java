package org.hwbp.ptrace.model;

import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.x86.Dr7;

/**
 * The arch encodings ptrace.c works with (arch/x86/include/asm/hw_breakpoint.h, arch/x86/kernel/hw_breakpoint.c):
 * the DR6/DR7 layout itself is the API's {@link Dr7} and {@link org.hwbp.api.x86.Dr6}, but the core keeps its
 * X86_BREAKPOINT_* codes privately and a client sees only the generic {@link BreakpointSpec} fields, so the
 * conversions live here.
 */
public final class X86Debugreg {
    /** Number of debug address registers (HBP_NUM). */
    public static final int HBP_NUM = 4;

    /** X86_BREAKPOINT_LEN_1 (also LEN_X, the execute length code). */
    public static final int LEN_1 = 0x40;
    public static final int LEN_2 = 0x44;
    public static final int LEN_4 = 0x4C;
    public static final int LEN_8 = 0x48;
    public static final int LEN_X = LEN_1;
    /** X86_BREAKPOINT_EXECUTE, _WRITE, _RW (0x82, the I/O encoding, has no name and no consumer). */
    public static final int EXECUTE = 0x80;
    public static final int WRITE = 0x81;
    public static final int RW = 0x83;

    private X86Debugreg() {
    }

    /** decode_dr7(): the arch length code of slot i, 0x40 | LEN bits. */
    public static int decodeLen(long dr7, int i) {
        return LEN_1 | (Dr7.lenBits(dr7, i) << 2);
    }

    /** decode_dr7(): the arch type code of slot i, 0x80 | R/W bits. */
    public static int decodeType(long dr7, int i) {
        return EXECUTE | Dr7.rw(dr7, i);
    }

    /** The generic (length, type) of a breakpoint, converted to the arch codes its arch info holds. */
    public static int archLen(BreakpointSpec s) {
        if (s.type() == BreakpointSpec.X) {
            return LEN_X;
        }
        switch (s.length()) {
            case 2: return LEN_2;
            case 4: return LEN_4;
            case 8: return LEN_8;
            default: return LEN_1;
        }
    }

    /** The arch type code of a (validated) generic type. */
    public static int archType(BreakpointSpec s) {
        switch (s.type()) {
            case BreakpointSpec.X: return EXECUTE;
            case BreakpointSpec.RW: return RW;
            default: return WRITE;
        }
    }

    /** The generic length and type ptrace puts into perf_event_attr. */
    public record GenericFields(int length, int type) {
    }

    /**
     * arch_bp_generic_fields(): execute needs LEN_X and becomes HW_BREAKPOINT_X of sizeof(long); write and
     * read/write keep their length; the I/O encoding (R/W = 10) is refused.
     */
    public static GenericFields genericFields(int archLen, int archType) {
        int type;
        switch (archType) {
            case EXECUTE:
                if (archLen != LEN_X) {
                    throw new HwbpException(Errno.EINVAL, "an execute breakpoint needs LEN = 00 in DR7");
                }
                return new GenericFields(Long.BYTES, BreakpointSpec.X);
            case WRITE:
                type = BreakpointSpec.W;
                break;
            case RW:
                type = BreakpointSpec.RW;
                break;
            default:
                throw new HwbpException(Errno.EINVAL, "R/W = 10 (I/O breakpoints) is not supported");
        }
        // arch_bp_generic_len(): every LEN encoding is valid on x86-64.
        switch (archLen) {
            case LEN_1: return new GenericFields(1, type);
            case LEN_2: return new GenericFields(2, type);
            case LEN_4: return new GenericFields(4, type);
            default: return new GenericFields(8, type);
        }
    }
}
