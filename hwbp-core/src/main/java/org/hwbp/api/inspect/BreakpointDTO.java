package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/** A registered breakpoint perf event, whoever owns it. */
public class BreakpointDTO extends DTO {
    /** Installed in a slot of at least one CPU (see {@link #installedSlot}). */
    public static final String STATE_INSTALLED = "installed";
    /** Lost its slot to the debugger (a claim, or the debugger-priority policy) and waits to get it back. */
    public static final String STATE_PREEMPTED = "preempted";
    /** attr.disabled: not installed (it keeps its reservation, see {@link #reserved}). */
    public static final String STATE_DISABLED = "disabled";
    /** Holds its slot, not installed now (its task does not run, or its CPU is held by a guest or the debugger). */
    public static final String STATE_RESERVED = "reserved";
    /** Holds no slot (a kgdb placeholder before dbg_reserve_bp_slot). */
    public static final String STATE_UNRESERVED = "unreserved";

    /** The owner: the symbolic name of the bundle that registered it. */
    public String owner;
    /** Its id in the owner's scope (a wide breakpoint's per-CPU parts share one). */
    public int id;
    /** Attributes and target. */
    public BreakpointSpecDTO spec;
    /**
     * One of the STATE_ constants, the first that applies in the order installed, preempted, disabled,
     * reserved, unreserved.
     */
    public String state;
    /** It holds a slot in the accounting. */
    public boolean reserved;
    /** It was preempted and waits for a slot. */
    public boolean preempted;
    /** Per CPU (index = CPU), the debug register it is installed in there, or -1. */
    public int[] installedSlot;
}
