package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/**
 * A breakpoint an owner had before hwbp-core restarted and has not registered again: registered again with
 * the same attributes, it gets its id and slot back.
 */
public class ReturningBreakpointDTO extends DTO {
    /** The owner: the symbolic name of the bundle that registered it. */
    public String owner;
    /** Its id in the owner's scope. */
    public int id;
    /** A per-CPU part of a wide breakpoint (register_wide_hw_breakpoint): register the wide one once. */
    public boolean wide;
    /** Attributes and target. */
    public BreakpointSpecDTO spec;
}
