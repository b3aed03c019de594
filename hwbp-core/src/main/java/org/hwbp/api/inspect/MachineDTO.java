package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/** The simulated machine as a whole. */
public class MachineDTO extends DTO {
    /** Number of online CPUs (ids 0..cpus-1). */
    public int cpus;
    /** Debug address registers per CPU (HBP_NUM: DR0–DR3), the slots a CPU has. */
    public int slotsPerCpu;
    /** The preemption policy's label: {@link HwbpAdmin#POLICY_LINUX} or {@link HwbpAdmin#POLICY_DEBUGGER_PRIORITY}. */
    public String policy;
    /** hw_breakpoint_is_used(): a slot is reserved somewhere. */
    public boolean used;
    /** The kernel debugger holds every CPU's debug registers (a claim is active). */
    public boolean debuggerActive;
}
