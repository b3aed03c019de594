package org.hwbp.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The last claim, release, preempt, restore, trigger and fault events, each naming the bundle involved, for
 * {@code hwbp:events}. Faults are also passed to the log sink (the OSGi log in the runtime).
 */
public final class EventLog {
    private static final int CAPACITY = 1000;
    /**
     * The texts of the last {@link #CAPACITY} events in a ring: event number {@code k} (from 1) is at
     * {@code (k - 1) % CAPACITY}. The number is joined to the text only when read, so adding an event allocates
     * nothing (the debugger's claim and release log on their hot path, with texts built once).
     */
    private final String[] texts = new String[CAPACITY];
    private volatile Consumer<String> faultSink = s -> { };
    private long sequence;

    public void setFaultSink(Consumer<String> sink) {
        this.faultSink = sink;
    }

    public synchronized void add(String event) {
        sequence++;
        texts[(int) ((sequence - 1) % CAPACITY)] = event;
    }

    /** Records a fault of a bundle's callback and logs it. */
    public void fault(String message) {
        add("fault " + message);
        faultSink.accept(message);
    }

    /** The last {@code n} events, oldest first. */
    public synchronized List<String> last(int n) {
        int count = (int) Math.min(Math.min(sequence, CAPACITY), n);
        List<String> lines = new ArrayList<>(Math.max(0, count));
        for (long k = sequence - count + 1; k <= sequence; k++) {
            lines.add(k + " " + texts[(int) ((k - 1) % CAPACITY)]);
        }
        return lines;
    }
}
