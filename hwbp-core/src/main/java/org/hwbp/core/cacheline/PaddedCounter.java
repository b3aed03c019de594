package org.hwbp.core.cacheline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An atomic counter alone on its cache lines (an {@code AtomicLong}'s 16 bytes share a line with whatever the heap
 * put next to them). For counters that one path bumps on every operation while another path works beside it.
 */
public final class PaddedCounter extends PaddedCounterValue {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(PaddedCounterValue.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long q01, q02, q03, q04, q05, q06, q07, q08;

    public PaddedCounter(long initial) {
        value = initial;
    }

    public long get() {
        return value;
    }

    public void set(long v) {
        value = v;
    }

    public long getAndIncrement() {
        return (long) VALUE.getAndAdd(this, 1L);
    }

    public long incrementAndGet() {
        return (long) VALUE.getAndAdd(this, 1L) + 1;
    }

    public long decrementAndGet() {
        return (long) VALUE.getAndAdd(this, -1L) - 1;
    }
}
