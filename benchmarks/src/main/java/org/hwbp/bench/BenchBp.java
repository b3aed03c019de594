package org.hwbp.bench;

import org.hwbp.core.accounting.SlotUser;

/**
 * A breakpoint as the accounting sees it (the fields of struct perf_event it reads: bp->cpu, bp->hw.target,
 * attr.bp_type). {@link #prev}/{@link #next} are the embedded list node {@code bp->hw.bp_list} that only the
 * pre-2022 algorithm ({@link NaiveAccounting}) links into its global list; identity equality, like a pointer.
 */
final class BenchBp implements SlotUser {
    final int cpu;
    final int task;
    final int type;
    BenchBp prev;
    BenchBp next;

    BenchBp(int cpu, int task, int type) {
        this.cpu = cpu;
        this.task = task;
        this.type = type;
    }

    /** A task breakpoint on all CPUs (cpu = -1), as perf bench's breakpoint_setup() opens: 1-byte RW. */
    static BenchBp taskOnAllCpus(int task) {
        return new BenchBp(-1, task, org.hwbp.api.BreakpointSpec.RW);
    }

    @Override
    public int cpu() {
        return cpu;
    }

    @Override
    public int task() {
        return task;
    }

    @Override
    public int slotType() {
        return type;
    }

    @Override
    public String toString() {
        return "bp(cpu=" + cpu + ", task=" + task + ", type=" + type + ")";
    }
}
