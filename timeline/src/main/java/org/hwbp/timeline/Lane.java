package org.hwbp.timeline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One CPU at one sample: who held its debug registers and which breakpoint occupied each slot
 * ({@code bp_per_reg[]}).
 *
 * @param cpu the CPU's index
 * @param holderKind {@code HOST}, {@code GUEST} or {@code DEBUGGER}
 * @param holder what the shell prints for the holder ({@code GUEST 1/0} names the vCPU)
 * @param slots per debug register, who occupies it ({@code ptrace-client bp 1}), null when free
 */
public record Lane(int cpu, String holderKind, String holder, List<String> slots) {

    public Lane {
        slots = Collections.unmodifiableList(new ArrayList<>(slots)); // free slots are null: no List.copyOf
    }

    /** The slot's occupant, or null when it is free or beyond this lane's slots. */
    public String slot(int i) {
        return i < slots.size() ? slots.get(i) : null;
    }
}
