package org.hwbp.webconsole;

import java.util.ArrayList;
import java.util.List;
import org.hwbp.api.inspect.BreakpointSpecDTO;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;

/**
 * The register texts as the shell prints them ({@code hwbp:cpus}, {@code hwbp:regs}), so that the page and
 * the shell read the same: {@code 0x601000}, {@code G w/4} or {@code off}, DR6 bits in positive polarity.
 */
final class RegisterText {
    private static final String[] RW = {"x", "w", "io", "rw"};

    private RegisterText() {
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** What DR7 says of a slot: {@code G w/4}, {@code GL rw/8}, or {@code off}. */
    static String slotState(long dr7, int slot) {
        if (!Dr7.enabled(dr7, slot)) {
            return "off";
        }
        String enable = ((dr7 & Dr7.globalEnable(slot)) != 0 ? "G" : "")
                + ((dr7 & Dr7.localEnable(slot)) != 0 ? "L" : "");
        return enable + " " + RW[Dr7.rw(dr7, slot)] + "/" + Dr7.lenBytes(Dr7.lenBits(dr7, slot));
    }

    /** The DR6 bits that report something (debug_read_reset_dr6 reads DR6 in positive polarity). */
    static String dr6(long dr6) {
        long p = Dr6.toPositive(dr6);
        List<String> bits = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            if ((p & Dr6.trap(i)) != 0) {
                bits.add("B" + i);
            }
        }
        if ((p & Dr6.BUS_LOCK) != 0) {
            bits.add("BLD");
        }
        if ((p & Dr6.BD) != 0) {
            bits.add("BD");
        }
        if ((p & Dr6.BS) != 0) {
            bits.add("BS");
        }
        if ((p & Dr6.BT) != 0) {
            bits.add("BT");
        }
        return bits.isEmpty() ? "none" : String.join(" ", bits);
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
