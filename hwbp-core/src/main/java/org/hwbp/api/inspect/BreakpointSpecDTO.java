package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/**
 * A breakpoint's attributes and target, field for field {@code org.hwbp.api.BreakpointSpec} ({@code struct
 * perf_event_attr} for PERF_TYPE_BREAKPOINT plus {@code bp->cpu} and the target task).
 */
public class BreakpointSpecDTO extends DTO {
    /** bp_addr. */
    public long address;
    /** bp_len in bytes: 1, 2, 4 or 8. */
    public int length;
    /** bp_type bit mask: R 1, W 2, RW 3, X 4 (the constants of BreakpointSpec). */
    public int type;
    /** The CPU the event is bound to, or -1 (a task breakpoint on every CPU). */
    public int cpu;
    /** The target task, or 0 for a CPU-bound breakpoint. */
    public int task;
    /** attr.disabled: registered, holding its slot, not installed. */
    public boolean disabled;
    /** attr.exclude_kernel: a user breakpoint. */
    public boolean excludeKernel;
}
