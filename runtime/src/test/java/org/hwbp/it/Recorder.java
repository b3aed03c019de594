package org.hwbp.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Hit;
import org.hwbp.api.Holder;
import org.hwbp.api.PreemptReason;

/**
 * A listener and breakpoint handler of the test probe that writes down every callback, in arrival order, as
 * {@code claimed [0, 1, 2, 3] DEBUGGER}, {@code preempted bp 3 DEBUGGER_CLAIM}, {@code restored bp 3},
 * {@code released [0, 1, 2, 3] DEBUGGER}, {@code triggered bp 3 cpu 1}.
 */
public final class Recorder implements HardwareListener, BreakpointHandler {
    private final List<String> events = new ArrayList<>();

    @Override
    public void claimed(Set<Integer> cpus, Holder holder) {
        add("claimed " + new TreeSet<>(cpus) + " " + holder);
    }

    @Override
    public void released(Set<Integer> cpus, Holder holder) {
        add("released " + new TreeSet<>(cpus) + " " + holder);
    }

    @Override
    public void triggered(Breakpoint bp, Hit hit) {
        add("triggered bp " + bp.id() + " cpu " + hit.cpu());
    }

    @Override
    public void preempted(Breakpoint bp, PreemptReason reason) {
        add("preempted bp " + bp.id() + " " + reason);
    }

    @Override
    public void restored(Breakpoint bp) {
        add("restored bp " + bp.id());
    }

    private synchronized void add(String event) {
        events.add(event);
    }

    public synchronized List<String> events() {
        return new ArrayList<>(events);
    }

    public synchronized void clear() {
        events.clear();
    }
}
