package org.hwbp.ptrace.model;

import java.util.Locale;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * The x86-64 {@code struct user} as PTRACE_PEEKUSR / PTRACE_POKEUSR address it (arch/x86/include/asm/user_64.h):
 * {@code u_debugreg[0]} at offset 848, eight bytes apart up to {@code u_debugreg[7]} at 904; the structure is
 * 928 bytes long (it ends with {@code error_code} and {@code fault_address}).
 */
public final class UserArea {
    /** offsetof(struct user, u_debugreg[0]). */
    public static final long DEBUGREG_0 = 848;
    /** offsetof(struct user, u_debugreg[7]). */
    public static final long DEBUGREG_7 = 904;
    /** sizeof(struct user). */
    public static final long SIZE = 928;
    /** sizeof(struct user_regs_struct): the general registers at the start of the area. */
    public static final long REGS_SIZE = 216;
    /** sizeof(unsigned long): the word size arch_ptrace() aligns offsets to. */
    public static final long WORD = 8;

    private UserArea() {
    }

    /** The offset of {@code u_debugreg[n]}. */
    public static long debugreg(int n) {
        return DEBUGREG_0 + WORD * n;
    }

    /**
     * arch_ptrace()'s first check for both requests: a word-aligned offset inside {@code struct user}, else EIO.
     * The offset is an unsigned long, so a negative value is a huge one.
     */
    public static void checkOffset(long offset) {
        if ((offset & (WORD - 1)) != 0 || Long.compareUnsigned(offset, SIZE) >= 0) {
            throw new HwbpException(Errno.EIO, String.format(
                    "user-area offset %s is not a word-aligned offset below sizeof(struct user) = %d",
                    Long.toUnsignedString(offset), SIZE));
        }
    }

    /** Whether the (checked) offset addresses one of {@code u_debugreg[0..7]}. */
    public static boolean isDebugreg(long offset) {
        return offset >= DEBUGREG_0 && offset <= DEBUGREG_7;
    }

    /** Whether the (checked) offset lies in {@code struct user_regs_struct}. */
    public static boolean isGeneralRegister(long offset) {
        return offset < REGS_SIZE;
    }

    /** The debug register number of a (checked) debug-register offset. */
    public static int debugregIndex(long offset) {
        return (int) ((offset - DEBUGREG_0) / WORD);
    }

    /**
     * Parses {@code dr0}..{@code dr7} into their offsets; returns -1 for anything else (the caller then parses
     * a number).
     */
    public static long offsetOfName(String s) {
        String n = s.toLowerCase(Locale.ROOT);
        if (n.length() == 3 && n.startsWith("dr") && n.charAt(2) >= '0' && n.charAt(2) <= '7') {
            return debugreg(n.charAt(2) - '0');
        }
        return -1;
    }
}
