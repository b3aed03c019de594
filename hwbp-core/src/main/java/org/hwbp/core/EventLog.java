package org.hwbp.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.hwbp.core.cacheline.PaddedCounter;

/**
 * The last claim, release, preempt, restore, trigger and fault events, each naming the bundle involved, for
 * {@code hwbp:events}. Faults are also passed to the log sink (the OSGi log in the runtime).
 *
 * <p>Adding takes no lock and writes no object header: the debugger's claim and release add an event each on
 * their hot path, and a monitor on this object was a line they wrote beside whatever the heap put next to it
 * (ClaimBenchmark). An event takes its number from {@link #sequence}, takes its slot by writing its number negated
 * there (unless a later event has it), stores its text, then publishes the number; a reader takes a slot's text
 * only when the slot holds the number it wants, before and after reading it.
 */
public final class EventLog {
    private static final int CAPACITY = 1000;
    private static final VarHandle NUMBERS = MethodHandles.arrayElementVarHandle(long[].class);
    /**
     * The texts of the last {@link #CAPACITY} events in a ring: event number {@code k} (from 1) is at
     * {@code (k - 1) % CAPACITY}. The number is joined to the text only when read, so adding an event allocates
     * nothing (the texts of the claim and the release are built once).
     */
    private final String[] texts = new String[CAPACITY];
    /**
     * The number of the event whose text is in each slot of {@link #texts}: 0 while none is, the number negated
     * while that event's text is being stored.
     */
    private final long[] numbers = new long[CAPACITY];
    /** Events numbered so far. */
    private final PaddedCounter sequence = new PaddedCounter(0);
    private volatile Consumer<String> faultSink = s -> { };

    public void setFaultSink(Consumer<String> sink) {
        this.faultSink = sink;
    }

    public void add(String event) {
        long k = sequence.incrementAndGet();
        int slot = slot(k);
        while (true) {
            long at = (long) NUMBERS.getAcquire(numbers, slot);
            if (Math.abs(at) > k) {
                return; // a thousand events came after this one meanwhile: it is already out of the ring
            }
            if (at < 0) {
                Thread.onSpinWait(); // the event a thousand before is being stored
            } else if (NUMBERS.compareAndSet(numbers, slot, at, -k)) {
                break;
            }
        }
        texts[slot] = event;
        NUMBERS.setRelease(numbers, slot, k);
    }

    /** Records a fault of a bundle's callback and logs it. */
    public void fault(String message) {
        add("fault " + message);
        faultSink.accept(message);
    }

    /**
     * The last {@code n} events, oldest first. An event still being added by another thread is waited for; one
     * overwritten meanwhile (a thousand events added during the read) is left out.
     */
    public List<String> last(int n) {
        long seq = sequence.get();
        int count = (int) Math.min(Math.min(seq, CAPACITY), n);
        List<String> lines = new ArrayList<>(Math.max(0, count));
        for (long k = seq - count + 1; k <= seq; k++) {
            String text = text(k);
            if (text != null) {
                lines.add(k + " " + text);
            }
        }
        return lines;
    }

    /** Event {@code k}'s text; waits while it is being stored, null if a later event took its slot. */
    private String text(long k) {
        int slot = slot(k);
        while (true) {
            long at = (long) NUMBERS.getAcquire(numbers, slot);
            if (Math.abs(at) > k) {
                return null;
            }
            if (at == k) {
                String text = texts[slot];
                VarHandle.acquireFence();
                if ((long) NUMBERS.getAcquire(numbers, slot) == k) {
                    return text;
                }
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private static int slot(long k) {
        return (int) ((k - 1) % CAPACITY);
    }
}
