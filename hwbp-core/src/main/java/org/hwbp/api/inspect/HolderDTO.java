package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/**
 * Who holds a CPU's debug registers (the claim protocol), as {@code org.hwbp.api.Holder}: the shell shows
 * {@code HOST}, {@code DEBUGGER} or {@code GUEST vm/vcpu}.
 */
public class HolderDTO extends DTO {
    /** {@code HOST}, {@code GUEST} or {@code DEBUGGER} (the names of {@code Holder.Kind}). */
    public String kind;
    /** The VM id when {@link #kind} is GUEST, else 0. */
    public int vm;
    /** The vCPU index when {@link #kind} is GUEST, else -1. */
    public int vcpu;
}
