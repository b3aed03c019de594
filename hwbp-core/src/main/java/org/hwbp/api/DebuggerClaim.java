package org.hwbp.api;

import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The kernel debugger's hold on every CPU's debug registers (kgdb_cpu_enter on all CPUs). Like kgdb, which keeps
 * one debugger state rather than one per entry, a client's claims all return the same handle: {@link #release}
 * ends the client's claim that holds the machine, if any.
 */
@ProviderType
public interface DebuggerClaim {

    Set<Integer> cpus();

    boolean isActive();

    /**
     * Leaves the debugger: every CPU's registers are restored from the shadows (hw_breakpoint_restore) and
     * handed back to the host. Idempotent: a release after the claim was released does nothing (until the
     * client claims again).
     */
    void release();
}
