package org.hwbp.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** register_wide_hw_breakpoint(): one CPU-bound breakpoint per online CPU, registered all or nothing. */
@ProviderType
public interface WideBreakpoint {

    int id();

    /** The per-CPU breakpoints, indexed by CPU. */
    List<Breakpoint> perCpu();

    /** Modifies every per-CPU breakpoint; stops at and reports the first failure. */
    void modify(BreakpointSpec attrs);

    /** unregister_wide_hw_breakpoint(). */
    void unregister();
}
