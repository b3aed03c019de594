package org.hwbp.webconsole;

import org.hwbp.api.inspect.BreakpointSpecDTO;

/**
 * The texts of the page that the shell prints too ({@code hwbp:cpus}, {@code hwbp:list}): {@code 0x601000}, a
 * breakpoint's type and target. DR6 and DR7 are read by {@link org.hwbp.api.x86.Dr6#describe} and
 * {@link org.hwbp.api.x86.Dr7#describeSlot}, as the shell reads them.
 */
final class RegisterText {
    private RegisterText() {
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** bp_type as the shell's TYPE argument: {@code x}, {@code w}, {@code rw} (R alone is {@code r}). */
    static String type(int bpType) {
        switch (bpType) {
            case 1: return "r";
            case 2: return "w";
            case 3: return "rw";
            case 4: return "x";
            default: return Integer.toString(bpType);
        }
    }

    /** {@code task 1}, {@code task 1 cpu 2} or {@code cpu 2}. */
    static String target(BreakpointSpecDTO s) {
        if (s.task != 0) {
            return "task " + s.task + (s.cpu >= 0 ? " cpu " + s.cpu : "");
        }
        return "cpu " + s.cpu;
    }
}
