package org.hwbp.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The breakpoint layer as one client sees it. Registered as a bundle-scoped OSGi service: each bundle gets its
 * own instance, and when the bundle stops every breakpoint, claim and guest session it owned is released.
 */
@ProviderType
public interface BreakpointService {

    /**
     * perf_event_open of a breakpoint (CPU-bound, task on one CPU, or task on all CPUs). Reserves a slot,
     * then validates (so ENOSPC hides EINVAL), then installs it if its target runs now.
     */
    Breakpoint register(BreakpointSpec spec, BreakpointHandler handler);

    /** register_wide_hw_breakpoint(): {@code spec.cpu()} and {@code spec.task()} are ignored. */
    WideBreakpoint registerWide(BreakpointSpec spec, BreakpointHandler handler);

    /** hw_breakpoint_is_used(). */
    boolean isUsed();

    /** This owner's registered breakpoints, in registration order. */
    List<Breakpoint> breakpoints();

    /** The kernel debugger's paths. */
    Debugger debugger();

    /** The symbolic name of the bundle this instance serves. */
    String owner();
}
