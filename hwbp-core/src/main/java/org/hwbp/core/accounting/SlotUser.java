package org.hwbp.core.accounting;

/**
 * What the constraint accounting needs to know of a breakpoint (the fields of struct perf_event it reads):
 * its CPU (or -1), its target task (or 0) and its bp_type. The accounting never names physical registers.
 */
public interface SlotUser {

    /** bp->cpu, -1 for a task breakpoint on all CPUs. */
    int cpu();

    /** bp->hw.target as a task id, 0 for a CPU-bound breakpoint. */
    int task();

    /** The bp_type the slot was (or is being) reserved for. */
    int slotType();

    /** How an ENOSPC names it among the holders of the slots that ran out (e.g. {@code bp 1 (owner, task 3)}). */
    default String holder() {
        return toString();
    }

    /** The order holders are named in: registration order. */
    default long order() {
        return 0;
    }
}
