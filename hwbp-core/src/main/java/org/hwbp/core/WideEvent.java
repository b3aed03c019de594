package org.hwbp.core;

import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.WideBreakpoint;

/** A wide breakpoint: one CPU-bound event per online CPU sharing one id. */
final class WideEvent implements WideBreakpoint {
    private final int id;
    private final List<PerfEvent> perCpu;
    private final Owner owner;

    WideEvent(int id, List<PerfEvent> perCpu, Owner owner) {
        this.id = id;
        this.perCpu = perCpu;
        this.owner = owner;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public List<Breakpoint> perCpu() {
        return List.copyOf(perCpu);
    }

    List<PerfEvent> events() {
        return perCpu;
    }

    @Override
    public void modify(BreakpointSpec attrs) {
        for (PerfEvent e : perCpu) {
            e.modify(attrs);
        }
    }

    @Override
    public void unregister() {
        owner.wides.remove(this);
        for (PerfEvent e : perCpu) {
            e.unregister();
        }
    }
}
