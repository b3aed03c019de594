package org.hwbp.core;

import java.util.concurrent.atomic.LongAdder;

/** The event counters hwbp:stats shows (since start or the last reset); adders, as the hot paths bump them. */
final class CoreCounters {
    final LongAdder registrations = new LongAdder();
    final LongAdder refusals = new LongAdder();
    final LongAdder debuggerClaims = new LongAdder();
    final LongAdder guestClaims = new LongAdder();
    final LongAdder triggers = new LongAdder();

    HwBreakpointCore.Counters snapshot() {
        return new HwBreakpointCore.Counters(registrations.sum(), refusals.sum(), debuggerClaims.sum(),
                guestClaims.sum(), triggers.sum());
    }

    void reset() {
        registrations.reset();
        refusals.reset();
        debuggerClaims.reset();
        guestClaims.reset();
        triggers.reset();
    }
}
