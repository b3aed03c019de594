package org.hwbp.api.machine;

import java.util.List;

/**
 * The outcome of a simulated access.
 *
 * @param trapped whether a #DB was raised
 * @param dr6 DR6 as the #DB handler read it (architectural polarity), 0 if no trap
 * @param calls one line per breakpoint handler called (or skipped, with why)
 */
public record AccessResult(boolean trapped, long dr6, List<String> calls) {

    public static final AccessResult NO_TRAP = new AccessResult(false, 0, List.of());
}
