package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/**
 * One CPU: who holds its debug registers, how many slots the accounting reserves there, the hardware registers
 * and the kernel's per-CPU shadows of them (arch/x86/kernel/hw_breakpoint.c), and the task it runs. Registers
 * and shadows are read together, without counting as register accesses.
 */
public class CpuDTO extends DTO {
    /** The CPU's index. */
    public int id;
    /** Who holds its debug registers now. */
    public HolderDTO holder;
    /** Slots the accounting reserves on this CPU in the worst case (of {@link MachineDTO#slotsPerCpu}). */
    public int slotsInUse;
    /** The hardware DR0–DR3 (index = register number). */
    public long[] debugreg;
    /** The hardware DR6 (negative polarity, as the register holds it). */
    public long dr6;
    /** The hardware DR7. */
    public long dr7;
    /** The shadow {@code cpu_dr7}: the DR7 the host wants on this CPU. */
    public long cpuDr7;
    /** The shadows {@code cpu_debugreg[0..3]}. */
    public long[] cpuDebugreg;
    /**
     * {@code bp_per_reg[0..3]}: the owner (bundle symbolic name) of the breakpoint installed in each slot, null
     * for a free slot; {@link #bpPerRegId} holds its id in that owner's scope.
     */
    public String[] bpPerRegOwner;
    /** The id of the breakpoint in each slot (see {@link #bpPerRegOwner}), 0 for a free slot. */
    public int[] bpPerRegId;
    /** hw_breakpoint_active(): {@code cpu_dr7} has a global-enable bit. */
    public boolean hwBreakpointActive;
    /** The task running on this CPU, or 0 (idle). */
    public int runningTask;
}
