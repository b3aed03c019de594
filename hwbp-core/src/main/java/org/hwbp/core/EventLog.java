package org.hwbp.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The last claim, release, preempt, restore, trigger and fault events, each naming the bundle involved, for
 * {@code hwbp:events}. Faults are also passed to the log sink (the OSGi log in the runtime).
 */
public final class EventLog {
    private static final int CAPACITY = 1000;
    private final ArrayDeque<String> events = new ArrayDeque<>();
    private volatile Consumer<String> faultSink = s -> { };
    private long sequence;

    public void setFaultSink(Consumer<String> sink) {
        this.faultSink = sink;
    }

    public synchronized void add(String event) {
        sequence++;
        if (events.size() == CAPACITY) {
            events.removeFirst();
        }
        events.addLast(sequence + " " + event);
    }

    /** Records a fault of a bundle's callback and logs it. */
    public void fault(String message) {
        add("fault " + message);
        faultSink.accept(message);
    }

    /** The last {@code n} events, oldest first. */
    public synchronized List<String> last(int n) {
        List<String> all = new ArrayList<>(events);
        return all.subList(Math.max(0, all.size() - n), all.size());
    }
}
