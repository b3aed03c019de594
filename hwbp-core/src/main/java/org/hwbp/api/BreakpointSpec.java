package org.hwbp.api;

import java.util.Locale;

/**
 * The attributes of a breakpoint, as {@code struct perf_event_attr} carries them for
 * {@code PERF_TYPE_BREAKPOINT} plus the event's target ({@code bp->cpu}, {@code bp->hw.target}).
 *
 * @param address bp_addr
 * @param length bp_len in bytes (1, 2, 4, 8; 8 for execute on x86-64)
 * @param type bp_type bit mask: {@link #R}, {@link #W}, {@link #RW}, {@link #X}
 * @param cpu the CPU the event is bound to, or {@link #ANY_CPU} (task on all CPUs)
 * @param task the target task id, or {@link #NO_TASK} for a CPU-bound breakpoint
 * @param disabled attr.disabled: registered (and holding its slot) but not installed
 * @param excludeKernel attr.exclude_kernel: a user breakpoint (kernel ranges refused, never fires in kernel mode)
 */
public record BreakpointSpec(long address, int length, int type, int cpu, int task, boolean disabled,
        boolean excludeKernel) {

    /** HW_BREAKPOINT_EMPTY. */
    public static final int EMPTY = 0;
    /** HW_BREAKPOINT_R. */
    public static final int R = 1;
    /** HW_BREAKPOINT_W. */
    public static final int W = 2;
    /** HW_BREAKPOINT_RW. */
    public static final int RW = R | W;
    /** HW_BREAKPOINT_X. */
    public static final int X = 4;
    /** HW_BREAKPOINT_INVALID (RW | X). */
    public static final int INVALID = RW | X;
    /** bp->cpu of a task breakpoint that follows its task on every CPU. */
    public static final int ANY_CPU = -1;
    /** No target task: a CPU-bound breakpoint. */
    public static final int NO_TASK = 0;

    /** A CPU-bound breakpoint on {@code cpu}, enabled, kernel ranges allowed. */
    public static BreakpointSpec onCpu(int cpu, long address, int length, int type) {
        return new BreakpointSpec(address, length, type, cpu, NO_TASK, false, false);
    }

    /** A breakpoint of {@code task} on every CPU (register_user_hw_breakpoint), enabled. */
    public static BreakpointSpec forTask(int task, long address, int length, int type) {
        return new BreakpointSpec(address, length, type, ANY_CPU, task, false, false);
    }

    /** A breakpoint of {@code task} only while it runs on {@code cpu}, enabled. */
    public static BreakpointSpec forTaskOnCpu(int task, int cpu, long address, int length, int type) {
        return new BreakpointSpec(address, length, type, cpu, task, false, false);
    }

    public BreakpointSpec withDisabled(boolean d) {
        return new BreakpointSpec(address, length, type, cpu, task, d, excludeKernel);
    }

    public BreakpointSpec withExcludeKernel(boolean e) {
        return new BreakpointSpec(address, length, type, cpu, task, disabled, e);
    }

    public BreakpointSpec withAddress(long a) {
        return new BreakpointSpec(a, length, type, cpu, task, disabled, excludeKernel);
    }

    public BreakpointSpec withLength(int l) {
        return new BreakpointSpec(address, l, type, cpu, task, disabled, excludeKernel);
    }

    public BreakpointSpec withType(int t) {
        return new BreakpointSpec(address, length, t, cpu, task, disabled, excludeKernel);
    }

    public boolean isTaskBound() {
        return task != NO_TASK;
    }

    /** Parses the shell's type names {@code x}, {@code w}, {@code rw} and {@code r} (the last one x86 refuses later). */
    public static int parseType(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "x": return X;
            case "w": return W;
            case "rw": return RW;
            case "r": return R;
            default: throw new HwbpException(Errno.EINVAL, "unknown breakpoint type '" + s + "' (x, w or rw)");
        }
    }

    /** The shell's name of a bp_type: {@code x}, {@code w}, {@code rw}, {@code r}, or the number. */
    public static String typeName(int type) {
        switch (type) {
            case X: return "x";
            case W: return "w";
            case RW: return "rw";
            case R: return "r";
            default: return Integer.toString(type);
        }
    }
}
