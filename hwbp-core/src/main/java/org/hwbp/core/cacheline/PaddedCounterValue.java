package org.hwbp.core.cacheline;

/** The value of {@link PaddedCounter}, between the two paddings. */
abstract class PaddedCounterValue extends CacheLineHead {
    volatile long value;
}
