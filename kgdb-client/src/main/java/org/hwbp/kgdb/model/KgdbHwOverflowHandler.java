package org.hwbp.kgdb.model;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.Hit;
import org.hwbp.api.x86.Dr6;
import org.hwbp.kgdb.model.X86Kgdb.HitSink;

/**
 * kgdb_hw_overflow_handler(): the overflow handler kgdb_arch_late() gives every per-CPU event. A hit goes to
 * the {@link HitSink}, on the core's callback thread of this bundle.
 */
final class KgdbHwOverflowHandler implements BreakpointHandler {
    private final BreakInfoTable breakinfo;
    private volatile HitSink sink = (b, h) -> { };

    KgdbHwOverflowHandler(BreakInfoTable breakinfo) {
        this.breakinfo = breakinfo;
    }

    void setHitSink(HitSink sink) {
        this.sink = sink;
    }

    @Override
    public void triggered(Breakpoint bp, Hit hit) {
        sink.hit(bp, hit);
    }

    /** kgdb_hw_overflow_handler(): a virtual DR6 bit for every enabled entry, not only the one that hit. */
    long virtualDr6() {
        long dr6 = 0;
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            if (breakinfo.get(i).enabled) {
                dr6 |= Dr6.trap(i);
            }
        }
        return dr6;
    }
}
