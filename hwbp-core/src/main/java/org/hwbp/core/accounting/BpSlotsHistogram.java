package org.hwbp.core.accounting;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * struct bp_slots_histogram of kernel/events/hw_breakpoint.c: {@code count[N]} is the number of owners (tasks
 * or CPUs) that have exactly N+1 slots assigned. Updates are atomic so task registrations, which hold the
 * constraint lock only for reading, may update concurrently without losing counts.
 */
final class BpSlotsHistogram {
    private final AtomicIntegerArray count;

    BpSlotsHistogram(int slots) {
        count = new AtomicIntegerArray(slots);
    }

    /** bp_slots_histogram_add(): moves one owner from {@code old} assigned slots to {@code old + delta}. */
    void add(int old, int delta) {
        int next = old + delta;
        if (old > 0) {
            count.decrementAndGet(old - 1);
        }
        if (next > 0) {
            count.incrementAndGet(next - 1);
        }
    }

    /** bp_slots_histogram_max(): the largest N with a non-zero bucket, 0 if empty. */
    int max() {
        for (int i = count.length() - 1; i >= 0; i--) {
            if (count.get(i) > 0) {
                return i + 1;
            }
        }
        return 0;
    }

    /** bp_slots_histogram_max_merge(): the same over the sum of two histograms. */
    static int maxMerge(BpSlotsHistogram a, BpSlotsHistogram b) {
        for (int i = a.count.length() - 1; i >= 0; i--) {
            if (a.count.get(i) > 0 || b.count.get(i) > 0) {
                return i + 1;
            }
        }
        return 0;
    }

    boolean isEmpty() {
        return max() == 0;
    }

    int bucket(int i) {
        return count.get(i);
    }

    int size() {
        return count.length();
    }
}
