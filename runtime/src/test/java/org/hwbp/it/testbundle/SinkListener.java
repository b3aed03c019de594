package org.hwbp.it.testbundle;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Hit;
import org.hwbp.api.Holder;
import org.hwbp.api.PreemptReason;

/** The test bundle's listener and handler: every callback, prefixed with the bundle's name, to the sink. */
final class SinkListener implements HardwareListener, BreakpointHandler {
    private final String name;
    private final Consumer<String> sink;

    SinkListener(String name, Consumer<String> sink) {
        this.name = name;
        this.sink = sink;
    }

    @Override
    public void claimed(Set<Integer> cpus, Holder holder) {
        sink.accept(name + " claimed " + new TreeSet<>(cpus) + " " + holder);
    }

    @Override
    public void released(Set<Integer> cpus, Holder holder) {
        sink.accept(name + " released " + new TreeSet<>(cpus) + " " + holder);
    }

    @Override
    public void triggered(Breakpoint bp, Hit hit) {
        sink.accept(name + " triggered bp " + bp.id() + " cpu " + hit.cpu());
    }

    @Override
    public void preempted(Breakpoint bp, PreemptReason reason) {
        sink.accept(name + " preempted bp " + bp.id() + " " + reason);
    }

    @Override
    public void restored(Breakpoint bp) {
        sink.accept(name + " restored bp " + bp.id());
    }
}
