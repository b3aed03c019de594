package org.hwbp.core.cacheline;

/**
 * The leading half of a field kept on cache lines of its own, as the kernel's {@code ____cacheline_aligned_in_smp}
 * keeps a hot variable away from its neighbours: 68 bytes after the object header that no subclass field can take
 * (the int fills the header's 4-byte gap, which the JVM would otherwise give to a subclass's int or reference), so
 * the subclass's first field starts a line after anything the object before it in the heap holds. Java cannot
 * align objects; putting the padding in a superclass is what makes the JVM lay it out first.
 *
 * <p>Why: a claim of the debugger writes a few words per CPU and per claim; each of them that shared a line with
 * something a registration writes or reads (the count of reservations, the parser, the restart state) made the
 * claim wait for that line, a few hundred ns, in about one claim in ten (ClaimBenchmark; with
 * {@code -XX:ObjectAlignmentInBytes=128}, which gives every object lines of its own, the claim's p99 halved).
 */
public abstract class CacheLineHead {
    int gap;
    long p01, p02, p03, p04, p05, p06, p07, p08;
}
