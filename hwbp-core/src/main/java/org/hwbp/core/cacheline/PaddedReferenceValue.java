package org.hwbp.core.cacheline;

/** The value of {@link PaddedReference}, between the two paddings. */
abstract class PaddedReferenceValue<T> extends CacheLineHead {
    volatile T value;
}
