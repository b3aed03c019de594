package org.hwbp.api.inspect;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The read-only inspection service of hwbp-core (as {@code ServiceComponentRuntime} is Felix SCR's): every call
 * returns fresh DTOs describing the machine at that instant. Nothing here changes the machine, and no call is
 * a debug-register access (the per-CPU read and write counters do not move).
 *
 * <p>Each call is consistent in itself (one CPU's registers and shadows are read together); two calls may see
 * the machine change in between.
 */
@ProviderType
public interface HwbpRuntime {

    /** The machine as a whole: CPU count, policy, whether any slot is in use, whether the debugger holds it. */
    MachineDTO getMachine();

    /** Every online CPU, by index. */
    CpuDTO[] getCpus();

    /** One CPU; EINVAL ({@code no CPU N (0..M)}) when there is no such CPU. */
    CpuDTO getCpu(int cpu);

    /** Every owner's registered breakpoints, in registration order (a wide breakpoint once per CPU). */
    BreakpointDTO[] getBreakpoints();

    /**
     * After a restart of hwbp-core (a pause, not a reboot): the breakpoints {@code owner} had before it, in
     * registration order (a wide breakpoint once per CPU), offered until the owner's first registration after
     * the restart, which takes them over. An owner without state of its own registers each again with the same
     * attributes and gets its id and slot back. Empty otherwise.
     */
    ReturningBreakpointDTO[] getReturningBreakpoints(String owner);

    /** The tasks, by id, exited ones included. */
    TaskDTO[] getTasks();

    /**
     * The events with a sequence number greater than {@code after}, oldest first, at most {@code max}; the page's
     * {@link EventPageDTO#next} is the cursor for the next call. {@code after} 0 starts at the oldest event the
     * log still keeps. EINVAL for a negative {@code after} or {@code max}.
     */
    EventPageDTO getEvents(long after, int max);

    /** The last {@code n} events, oldest first (what {@code hwbp:events N} prints). EINVAL for a negative n. */
    EventDTO[] getLatestEvents(int n);

    /** The counters since the start or the last {@link HwbpAdmin#resetCounters()}. */
    CountersDTO getCounters();

    /**
     * Checks the invariants now (product §8): slots per CPU, the accounting against a recount and against the
     * breakpoints the core believes reserved, each host-held CPU's DR0–DR3/DR7 against its shadows. Meant for a
     * quiet moment: a registration in flight may show as a problem.
     */
    CheckDTO check();
}
