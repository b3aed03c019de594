package org.hwbp.core;

import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.HwbpException;
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

    /**
     * Modifies every CPU's event; if one refuses, the CPUs already modified get their old attributes back, so a
     * refused modify changes nothing (Linux leaves the loop to the caller; the product promises no half-done change).
     */
    @Override
    public void modify(BreakpointSpec attrs) {
        List<BreakpointSpec> old = perCpu.stream().map(PerfEvent::spec).toList();
        for (int i = 0; i < perCpu.size(); i++) {
            try {
                perCpu.get(i).modify(attrs);
            } catch (HwbpException e) {
                for (int j = 0; j < i; j++) {
                    perCpu.get(j).modify(old.get(j));
                }
                throw e;
            }
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
