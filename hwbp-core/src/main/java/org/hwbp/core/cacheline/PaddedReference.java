package org.hwbp.core.cacheline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** An atomic reference alone on its cache lines, as {@link PaddedCounter} is for a count. */
public final class PaddedReference<T> extends PaddedReferenceValue<T> {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(PaddedReferenceValue.class, "value", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long q01, q02, q03, q04, q05, q06, q07, q08;

    public PaddedReference(T initial) {
        value = initial;
    }

    public T get() {
        return value;
    }

    public void set(T v) {
        value = v;
    }

    public boolean compareAndSet(T expected, T next) {
        return VALUE.compareAndSet(this, expected, next);
    }
}
