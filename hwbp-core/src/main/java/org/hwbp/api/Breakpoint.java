package org.hwbp.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A registered breakpoint (a perf event of type PERF_TYPE_BREAKPOINT). Only the owner holds its handle, so only
 * the owner can modify or unregister it.
 */
@ProviderType
public interface Breakpoint {

    /** The id within the owner's scope (a wide breakpoint's per-CPU parts share the wide id). */
    int id();

    /** The symbolic name of the owning bundle. */
    String owner();

    /** The current attributes and target. */
    BreakpointSpec spec();

    /**
     * modify_user_hw_breakpoint(): takes address, length, type and disabled from {@code attrs}; the target
     * fields are ignored. Re-validates; re-reserves only when the type changes; on failure nothing changes.
     */
    void modify(BreakpointSpec attrs);

    /** unregister_hw_breakpoint(): uninstalls it and releases its slot. Idempotent. */
    void unregister();

    boolean isRegistered();

    /** Whether it currently holds a slot in the accounting (kgdb's pre-created events do not). */
    boolean isReserved();

    /** Whether it is preempted under the {@code debugger-priority} policy. */
    boolean isPreempted();

    /** The physical slot (0..3) it is installed in on {@code cpu}, or -1. */
    int installedSlot(int cpu);
}
