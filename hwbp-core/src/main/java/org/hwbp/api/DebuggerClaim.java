package org.hwbp.api;

import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/** The kernel debugger's hold on every CPU's debug registers (kgdb_cpu_enter on all CPUs). */
@ProviderType
public interface DebuggerClaim {

    Set<Integer> cpus();

    boolean isActive();

    /**
     * Leaves the debugger: every CPU's registers are restored from the shadows (hw_breakpoint_restore) and
     * handed back to the host. Idempotent.
     */
    void release();
}
