package org.hwbp.api.inspect;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What changes the machine as a whole rather than one owner's breakpoints: the preemption policy, the
 * counters, and the simulation's "registration in flight". Separate from {@link HwbpRuntime} so that a
 * read-only viewer needs no more than that service.
 */
@ProviderType
public interface HwbpAdmin {

    /** Exactly Linux: the debugger gets a slot only where the accounting admits it. */
    String POLICY_LINUX = "linux";

    /** The debugger preempts the most recently registered non-debugger reservation. */
    String POLICY_DEBUGGER_PRIORITY = "debugger-priority";

    /**
     * Switches the policy the way an administrator would, through Config Admin (the machine's configuration
     * {@code org.hwbp.core.machine}, its CPU count kept so that it is no reboot), and returns once the core
     * applied it, with the policy's label. Config Admin keeps the choice across a restart of hwbp-core.
     * EINVAL for an unknown policy, EOPNOTSUPP without Config Admin, EIO if it cannot store the configuration,
     * EBUSY if the core has not applied it within a few seconds.
     */
    String setPolicy(String policy);

    /** Resets every counter of {@link HwbpRuntime#getCounters()} to 0, the per-CPU register counters included. */
    void resetCounters();

    /**
     * Holds the breakpoint constraint locks as a registration of a breakpoint on ({@code cpu}, {@code task}) in
     * flight would ({@code cpu} -1: every CPU, for a task), on a thread of its own, until the returned handle is
     * closed: meanwhile the debugger's fail-fast path refuses (kgdb answers E01) and other registrations wait.
     * EINVAL without a CPU or a task.
     */
    AutoCloseable holdRegistrationInFlight(int cpu, int task);

    /**
     * Puts the runtime back to the state it booted in, without restarting the framework: the machine's
     * configuration is deleted from Config Admin (so the CPU count and policy are those of the command line
     * again, {@code hwbp.cpus}/{@code hwbp.policy}), every {@link ResetListener} drops its state while the old
     * machine is away, and a new machine (CPUs, tasks, breakpoints, owners and their ids, event log, counters)
     * replaces it; the services the core hands to each bundle are new, so their ids start from 1 again. Returns
     * once the new machine's services are registered. Bundles are not touched: what a bundle id or a stopped
     * bundle means for a fresh start is the caller's business ({@code hwbp:reset}).
     */
    void reset();
}
