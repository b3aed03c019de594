package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/** The counters since the start of the core or the last reset ({@link HwbpAdmin#resetCounters()}). */
public class CountersDTO extends DTO {
    /** Debug-register reads (MOV from DRn) on all CPUs. */
    public long drReads;
    /** Debug-register writes (MOV to DRn) on all CPUs. */
    public long drWrites;
    /** Per CPU (index = CPU), its debug-register reads. */
    public long[] cpuDrReads;
    /** Per CPU (index = CPU), its debug-register writes. */
    public long[] cpuDrWrites;
    /** Breakpoint registrations that succeeded. */
    public long registrations;
    /** Breakpoint registrations refused (ENOSPC, EINVAL, ESRCH, ...). */
    public long refusals;
    /** Claims of every CPU by the kernel debugger. */
    public long debuggerClaims;
    /** Claims of one CPU by a guest (vCPU entries that took its debug registers). */
    public long guestClaims;
    /** Breakpoint handlers called after a #DB. */
    public long triggers;
}
