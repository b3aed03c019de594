package org.hwbp.ptrace.gdb;

import java.util.ArrayList;
import java.util.List;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.BreakpointType;
import org.hwbp.api.x86.Dr7;

/**
 * gdb's {@code struct x86_debug_reg_state} and the functions of gdb's {@code nat/x86-dregs.c} that edit it:
 * the mirror of DR0–DR3 ({@code dr_mirror}), of DR7 ({@code dr_control_mirror}) and a reference count per
 * register ({@code dr_ref_count}), so that two watchpoints on the same address, length and kind share one
 * register. A watchpoint that is not aligned, or longer than 8 bytes, is split into aligned pieces as
 * {@code x86_handle_nonaligned_watchpoint} does. gdb edits a copy and commits it only when every piece fit
 * ({@code x86_dr_insert_watchpoint}); {@link #copy()} serves that.
 *
 * <p>The mirror is what gdb writes into the tracee; the order of those writes is {@link PtraceDregWriter}'s.
 */
final class X86DregState {
    /** gdb's DR_LEN_1/2/4/8 (bits 2–3 of a register's 4-bit RW/LEN field). */
    private static final int LEN_1 = 0x0 << 2, LEN_2 = 0x1 << 2, LEN_4 = 0x3 << 2, LEN_8 = 0x2 << 2;
    /** The largest watchpoint one register covers on x86-64 ({@code x86_max_wp_len}). */
    private static final int MAX_WP_LEN = 8;
    /** {@code size_try_array} of x86_handle_nonaligned_watchpoint: [size-1][address % 8] → piece size. */
    private static final int[][] SIZE_TRY = {
        {1, 1, 1, 1, 1, 1, 1, 1},
        {2, 1, 2, 1, 2, 1, 2, 1},
        {2, 1, 2, 1, 2, 1, 2, 1},
        {4, 1, 2, 1, 4, 1, 2, 1},
        {4, 1, 2, 1, 4, 1, 2, 1},
        {4, 1, 2, 1, 4, 1, 2, 1},
        {4, 1, 2, 1, 4, 1, 2, 1},
        {8, 1, 2, 1, 4, 1, 2, 1},
    };

    final long[] mirror = new long[4];
    long control;
    final int[] refCount = new int[4];

    X86DregState copy() {
        X86DregState c = new X86DregState();
        System.arraycopy(mirror, 0, c.mirror, 0, 4);
        System.arraycopy(refCount, 0, c.refCount, 0, 4);
        c.control = control;
        return c;
    }

    /** X86_DR_VACANT: neither enable bit of register {@code i} is set in the control mirror. */
    boolean vacant(int i) {
        return (control & (3L << (Dr7.ENABLE_SIZE * i))) == 0;
    }

    /** The RW bits (execute, write, access) of occupied register {@code i}. */
    int rw(int i) {
        return Dr7.rw(control, i);
    }

    /**
     * x86_length_and_rw_bits(): the 4-bit RW/LEN field. x86 has no read-only watchpoint: gdb's native code
     * answers "unsupported" for it and gdb then inserts an access watchpoint instead.
     */
    private static int lengthAndRwBits(int len, BreakpointType type) {
        int rw = switch (type) {
            case HARDWARE -> Dr7.RW_EXECUTE;
            case WRITE_WATCHPOINT -> Dr7.RW_WRITE;
            case ACCESS_WATCHPOINT -> Dr7.RW_READ;
            default -> throw new HwbpException(Errno.EOPNOTSUPP, "the x86 debug registers have no " + type);
        };
        return rw | switch (len) {
            case 1 -> LEN_1;
            case 2 -> LEN_2;
            case 4 -> LEN_4;
            case 8 -> LEN_8;
            default -> throw new IllegalArgumentException("no aligned length " + len);
        };
    }

    /**
     * x86_dr_insert_watchpoint() / x86_dr_insert_hw_breakpoint() on this (local) state: false when the four
     * registers cannot hold it.
     */
    boolean insert(BreakpointType type, long addr, int len) {
        if (type == BreakpointType.HARDWARE) {
            return insertAligned(addr, lengthAndRwBits(1, type));
        }
        lengthAndRwBits(1, type); // unsupported types are refused before any piece is inserted
        for (Piece p : pieces(addr, len)) {
            if (!insertAligned(p.addr, lengthAndRwBits(p.len, type))) {
                return false;
            }
        }
        return true;
    }

    /** x86_dr_remove_watchpoint() / x86_dr_remove_hw_breakpoint(): false if it was not inserted. */
    boolean remove(BreakpointType type, long addr, int len) {
        if (type == BreakpointType.HARDWARE) {
            return removeAligned(addr, lengthAndRwBits(1, type));
        }
        boolean all = true;
        for (Piece p : pieces(addr, len)) {
            all &= removeAligned(p.addr, lengthAndRwBits(p.len, type));
        }
        return all;
    }

    private record Piece(long addr, int len) {
    }

    /** x86_handle_nonaligned_watchpoint(): the aligned pieces that cover [addr, addr + len). */
    private static List<Piece> pieces(long addr, int len) {
        if (len <= 0) {
            throw new HwbpException(Errno.EINVAL, "watchpoint length " + len);
        }
        List<Piece> l = new ArrayList<>();
        while (len > 0) {
            int align = (int) (addr % MAX_WP_LEN);
            int tryLen = len > MAX_WP_LEN ? MAX_WP_LEN - 1 : len - 1;
            int size = SIZE_TRY[tryLen][align];
            l.add(new Piece(addr, size));
            addr += size;
            len -= size;
        }
        return l;
    }

    /**
     * x86_insert_aligned_watchpoint(): share a register already watching the same address with the same
     * RW/LEN (its reference count goes up), else take the first vacant one: address in the mirror, RW/LEN and
     * the local-enable bit in the control mirror, plus LE (DR_LOCAL_SLOWDOWN); the reserved bits cleared.
     */
    private boolean insertAligned(long addr, int lenRw) {
        for (int i = 0; i < 4; i++) {
            if (!vacant(i) && mirror[i] == addr && rwLen(i) == lenRw) {
                refCount[i]++;
                return true;
            }
        }
        for (int i = 0; i < 4; i++) {
            if (vacant(i)) {
                refCount[i] = 1;
                mirror[i] = addr;
                control |= (long) lenRw << (Dr7.CONTROL_SHIFT + Dr7.CONTROL_SIZE * i);
                control |= Dr7.localEnable(i);
                control |= Dr7.LE;
                control &= ~0xFC00L; // DR_CONTROL_RESERVED of gdb's nat/x86-dregs.c
                return true;
            }
        }
        return false;
    }

    /** x86_remove_aligned_watchpoint(): the last reference frees the register (address 0, bits cleared). */
    private boolean removeAligned(long addr, int lenRw) {
        for (int i = 0; i < 4; i++) {
            if (!vacant(i) && mirror[i] == addr && rwLen(i) == lenRw) {
                if (--refCount[i] == 0) {
                    mirror[i] = 0;
                    control &= ~(3L << (Dr7.ENABLE_SIZE * i));
                    control &= ~(0xFL << (Dr7.CONTROL_SHIFT + Dr7.CONTROL_SIZE * i));
                }
                return true;
            }
        }
        return false;
    }

    private int rwLen(int i) {
        return (int) ((control >>> (Dr7.CONTROL_SHIFT + Dr7.CONTROL_SIZE * i)) & 0xF);
    }
}
