package org.hwbp.api.machine;

import java.util.List;

/**
 * The outcome of a simulated access.
 *
 * @param trapped whether a #DB was raised
 * @param dr6 DR6 as the #DB handler read it (architectural polarity), 0 if no trap
 * @param calls one line per breakpoint handler called (or skipped, with why)
 * @param value the bytes accessed, little-endian: what a read or fetch found, what a write stored (since 1.1)
 */
public record AccessResult(boolean trapped, long dr6, List<String> calls, long value) {

    public static final AccessResult NO_TRAP = new AccessResult(false, 0, List.of(), 0);

    /** An outcome without the bytes accessed (value 0): the 1.0 constructor. */
    public AccessResult(boolean trapped, long dr6, List<String> calls) {
        this(trapped, dr6, calls, 0);
    }

}
