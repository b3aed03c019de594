package org.hwbp.core.machine;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * One CPU's hardware debug registers DR0–DR3, DR6, DR7 with their reset values
 * (initialize_debug_regs(): DR7 = 0x400, DR6 = 0xFFFF0FF0, DR0–3 = 0), and a counter of every MOV to and from
 * DRn that software executes (what the product measures switching cost with). Changes the hardware makes by
 * itself ({@link #hardwareSet}: #DB setting DR6 bits, VM entry/exit loading DR7) are not counted.
 */
public final class DebugRegisterFile {
    public static final long DR6_RESET = 0xFFFF0FF0L;
    public static final long DR7_RESET = 0x400L;

    private final long[] dr = new long[8];
    /** Counters of software accesses; guarded by this register file's monitor, like the registers. */
    private long reads;
    private long writes;

    public DebugRegisterFile() {
        dr[6] = DR6_RESET;
        dr[7] = DR7_RESET;
    }

    /** MOV from DRn. DR4/DR5 alias DR6/DR7 (CR4.DE clear). */
    public synchronized long read(int n) {
        int i = index(n);
        reads++;
        return dr[i];
    }

    /** MOV to DRn. */
    public synchronized void write(int n, long value) {
        int i = index(n);
        writes++;
        dr[i] = value;
    }

    /**
     * Six MOVs to DRn in a row, as hw_breakpoint_restore() does them: DR0–DR3 from {@code dr0to3}, then DR6, then
     * DR7. Counted as six writes; taken under the register file's monitor once instead of six times (the
     * debugger's release does this on every CPU).
     */
    public synchronized void writeAll(long[] dr0to3, long dr6, long dr7) {
        writes += 6;
        for (int i = 0; i < 4; i++) {
            dr[i] = dr0to3[i];
        }
        dr[6] = dr6;
        dr[7] = dr7;
    }

    /** A change made by the hardware itself; not a software access. */
    public synchronized void hardwareSet(int n, long value) {
        dr[index(n)] = value;
    }

    /** The current value, for display and checks; not a software access. */
    public synchronized long peek(int n) {
        return dr[index(n)];
    }

    /** All eight values (DR4/DR5 reported as aliases), for display; not counted. */
    public synchronized long[] snapshot() {
        long[] s = dr.clone();
        s[4] = dr[6];
        s[5] = dr[7];
        return s;
    }

    public synchronized long reads() {
        return reads;
    }

    public synchronized long writes() {
        return writes;
    }

    /** A restarted core takes over the registers and counters it had before its stop (not software accesses). */
    public synchronized void restore(long[] values, long readCount, long writeCount) {
        for (int n : new int[] { 0, 1, 2, 3, 6, 7 }) {
            dr[n] = values[n];
        }
        reads = readCount;
        writes = writeCount;
    }

    public synchronized void resetCounters() {
        reads = 0;
        writes = 0;
    }

    private static int index(int n) {
        switch (n) {
            case 0: case 1: case 2: case 3: case 6: case 7: return n;
            case 4: return 6;
            case 5: return 7;
            default: throw new HwbpException(Errno.EINVAL, "no debug register DR" + n);
        }
    }
}
