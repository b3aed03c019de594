package org.hwbp.bench;

import java.util.concurrent.locks.ReentrantLock;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * The slot-constraint accounting of kernel/events/hw_breakpoint.c before Marco Elver's 2022 series
 * ("perf/hw_breakpoint: Optimize for thousands of tasks", merged for v6.1), as it stood from v3.x to v5.19:
 * read in the v4.19 file (0x88888888/linux-4.19-comments, kernel/events/hw_breakpoint.c) and a v5.1x copy
 * (hindawiai/hinlin), which differ only by the weak arch_reserve_bp_slot()/arch_release_bp_slot() hooks
 * (no-ops on x86). Reproduced to show what the sandbox's histograms are measured against:
 *
 * <ul>
 *   <li>one global list {@code bp_task_head} of every task breakpoint of every task;</li>
 *   <li>{@code task_bp_pinned(cpu, bp, type)} walks that whole list to count the breakpoints of bp's task;</li>
 *   <li>{@code fetch_bp_busy_slots()} and {@code toggle_bp_slot()} call it once per CPU of the bp's cpumask
 *       (every possible CPU for cpu = -1): O(#cpus x #task breakpoints) per reservation and per release;</li>
 *   <li>everything is serialised by the one global {@code nr_bp_mutex}.</li>
 * </ul>
 * Not thread-confined: several benchmark threads may call it; the mutex makes that safe, as in the kernel.
 */
final class NaiveAccounting implements Accounting {

    private static final int TYPE_INST = 0;

    /** struct bp_cpuinfo, one per CPU and type. */
    private static final class BpCpuinfo {
        /** Number of pinned cpu breakpoints in a cpu. */
        int cpuPinned;
        /** tsk_pinned[n] is the number of tasks having n+1 breakpoints (on this CPU). */
        final int[] tskPinned;
        /** Number of non-pinned cpu/task breakpoints in a cpu: the never-written "XXX: placeholder". */
        int flexible;

        BpCpuinfo(int slots) {
            tskPinned = new int[slots];
        }
    }

    /** struct bp_busy_slots. */
    private static final class BpBusySlots {
        int pinned;
        int flexible;
    }

    private final int cpus;
    private final int typeData;
    /** DEFINE_PER_CPU(struct bp_cpuinfo, bp_cpuinfo[TYPE_MAX]), indexed [type][cpu]. */
    private final BpCpuinfo[][] bpCpuinfo;
    /** nr_slots[TYPE_MAX]. */
    private final int[] nrSlots;
    /** static LIST_HEAD(bp_task_head): a sentinel of the circular doubly-linked list through bp->hw.bp_list. */
    private final BenchBp bpTaskHead = new BenchBp(0, 0, 0);
    /** static DEFINE_MUTEX(nr_bp_mutex): serialises every access to the tables above. */
    private final ReentrantLock nrBpMutex = new ReentrantLock();

    /**
     * @param mixedRegs CONFIG_HAVE_MIXED_BREAKPOINTS_REGS (x86): TYPE_DATA == TYPE_INST, TYPE_MAX == 1
     */
    NaiveAccounting(int cpus, int slots, boolean mixedRegs) {
        this.cpus = cpus;
        this.typeData = mixedRegs ? 0 : 1;
        int typeMax = mixedRegs ? 1 : 2;
        bpCpuinfo = new BpCpuinfo[typeMax][cpus];
        nrSlots = new int[typeMax];
        for (int t = 0; t < typeMax; t++) {
            nrSlots[t] = slots;
            for (int c = 0; c < cpus; c++) {
                bpCpuinfo[t][c] = new BpCpuinfo(slots);
            }
        }
        bpTaskHead.prev = bpTaskHead;
        bpTaskHead.next = bpTaskHead;
    }

    /** hw_breakpoint_weight(): the __weak default, 1 (x86 does not override it). */
    private static int hwBreakpointWeight(BenchBp bp) {
        return 1;
    }

    /** find_slot_idx(). */
    private int findSlotIdx(int bpType) {
        if ((bpType & BreakpointSpec.RW) != 0) {
            return typeData;
        }
        return TYPE_INST;
    }

    /** max_task_bp_pinned(): the maximum number of pinned breakpoints a task has on this CPU. */
    private int maxTaskBpPinned(int cpu, int type) {
        int[] tskPinned = bpCpuinfo[type][cpu].tskPinned;
        for (int i = nrSlots[type] - 1; i >= 0; i--) {
            if (tskPinned[i] > 0) {
                return i + 1;
            }
        }
        return 0;
    }

    /**
     * task_bp_pinned(): the number of breakpoints of the same type and task that apply to {@code cpu}, found by
     * walking the whole global list (list_for_each_entry over bp_task_head).
     */
    private int taskBpPinned(int cpu, BenchBp bp, int type) {
        int tsk = bp.task;
        int count = 0;
        for (BenchBp iter = bpTaskHead.next; iter != bpTaskHead; iter = iter.next) {
            if (iter.task == tsk && findSlotIdx(iter.type) == type && (iter.cpu < 0 || cpu == iter.cpu)) {
                count += hwBreakpointWeight(iter);
            }
        }
        return count;
    }

    /**
     * fetch_bp_busy_slots(): for_each_cpu of cpumask_of_bp() (bp->cpu alone, or cpu_possible_mask for -1), the
     * CPU's pinned count plus the busiest task (CPU breakpoint) or bp's own task (task breakpoint).
     */
    private void fetchBpBusySlots(BpBusySlots slots, BenchBp bp, int type) {
        int from = bp.cpu >= 0 ? bp.cpu : 0;
        int to = bp.cpu >= 0 ? bp.cpu : cpus - 1;
        for (int cpu = from; cpu <= to; cpu++) {
            BpCpuinfo info = bpCpuinfo[type][cpu];
            int nr = info.cpuPinned;
            if (bp.task == BreakpointSpec.NO_TASK) {
                nr += maxTaskBpPinned(cpu, type);
            } else {
                nr += taskBpPinned(cpu, bp, type);
            }
            if (nr > slots.pinned) {
                slots.pinned = nr;
            }
            nr = info.flexible;
            if (nr > slots.flexible) {
                slots.flexible = nr;
            }
        }
    }

    /** fetch_this_slot(): flexible is still considered as pinned. */
    private static void fetchThisSlot(BpBusySlots slots, int weight) {
        slots.pinned += weight;
    }

    /** toggle_bp_task_slot(): moves bp's task from bucket old to old + weight on one CPU. */
    private void toggleBpTaskSlot(BenchBp bp, int cpu, int type, int weight) {
        int[] tskPinned = bpCpuinfo[type][cpu].tskPinned;
        int oldIdx = taskBpPinned(cpu, bp, type) - 1;
        int newIdx = oldIdx + weight;
        if (oldIdx >= 0) {
            tskPinned[oldIdx]--;
        }
        if (newIdx >= 0) {
            tskPinned[newIdx]++;
        }
    }

    /**
     * toggle_bp_slot(): a CPU breakpoint only bumps cpu_pinned; a task breakpoint runs toggle_bp_task_slot()
     * on every CPU of its mask (each one a full list walk), then is added to / deleted from the list.
     */
    private void toggleBpSlot(BenchBp bp, boolean enable, int type, int weight) {
        if (!enable) {
            weight = -weight;
        }
        if (bp.task == BreakpointSpec.NO_TASK) {
            bpCpuinfo[type][bp.cpu].cpuPinned += weight;
            return;
        }
        int from = bp.cpu >= 0 ? bp.cpu : 0;
        int to = bp.cpu >= 0 ? bp.cpu : cpus - 1;
        for (int cpu = from; cpu <= to; cpu++) {
            toggleBpTaskSlot(bp, cpu, type, weight);
        }
        if (enable) {
            // list_add_tail(&bp->hw.bp_list, &bp_task_head)
            BenchBp last = bpTaskHead.prev;
            bp.prev = last;
            bp.next = bpTaskHead;
            last.next = bp;
            bpTaskHead.prev = bp;
        } else {
            // list_del(&bp->hw.bp_list)
            bp.prev.next = bp.next;
            bp.next.prev = bp.prev;
            bp.prev = null;
            bp.next = null;
        }
    }

    /** __reserve_bp_slot(). */
    private void reserveLocked(BenchBp bp, int bpType) {
        if (bpType == BreakpointSpec.EMPTY || bpType == BreakpointSpec.INVALID) {
            throw new HwbpException(Errno.EINVAL, "invalid breakpoint type " + bpType);
        }
        int type = findSlotIdx(bpType);
        int weight = hwBreakpointWeight(bp);
        BpBusySlots slots = new BpBusySlots();
        fetchBpBusySlots(slots, bp, type);
        // Simulate the addition of this breakpoint to the constraints and see the result.
        fetchThisSlot(slots, weight);
        // Flexible counters need to keep at least one slot.
        if (slots.pinned + (slots.flexible != 0 ? 1 : 0) > nrSlots[type]) {
            throw new HwbpException(Errno.ENOSPC, "no free debug-register slot for " + bp);
        }
        // arch_reserve_bp_slot(): the __weak no-op on x86.
        toggleBpSlot(bp, true, type, weight);
    }

    /**
     * Benchmark setup only: leaves the tables exactly as reserve_bp_slot() of every breakpoint of
     * {@code tasks} would (each inner array one task's breakpoints, all task-on-all-CPUs), without paying
     * O(#cpus x #list) per breakpoint, which for 100 000 breakpoints on 1 024 CPUs would take hours.
     */
    void preloadAllCpuTaskBreakpoints(BenchBp[][] tasks) {
        nrBpMutex.lock();
        try {
            for (BenchBp[] bps : tasks) {
                int[] perType = new int[nrSlots.length];
                for (BenchBp bp : bps) {
                    if (bp.cpu != -1 || bp.task == BreakpointSpec.NO_TASK) {
                        throw new IllegalArgumentException("only task-on-all-CPUs breakpoints: " + bp);
                    }
                    perType[findSlotIdx(bp.type)] += hwBreakpointWeight(bp);
                    BenchBp last = bpTaskHead.prev;
                    bp.prev = last;
                    bp.next = bpTaskHead;
                    last.next = bp;
                    bpTaskHead.prev = bp;
                }
                for (int type = 0; type < perType.length; type++) {
                    if (perType[type] > nrSlots[type]) {
                        throw new HwbpException(Errno.ENOSPC, "task " + bps[0].task + " has " + perType[type]);
                    }
                    if (perType[type] > 0) {
                        for (int cpu = 0; cpu < cpus; cpu++) {
                            bpCpuinfo[type][cpu].tskPinned[perType[type] - 1]++;
                        }
                    }
                }
            }
        } finally {
            nrBpMutex.unlock();
        }
    }

    /** reserve_bp_slot(). */
    @Override
    public void reserve(BenchBp bp) {
        nrBpMutex.lock();
        try {
            reserveLocked(bp, bp.type);
        } finally {
            nrBpMutex.unlock();
        }
    }

    /** release_bp_slot() = arch_unregister_hw_breakpoint() (no-op) + __release_bp_slot(). */
    @Override
    public void release(BenchBp bp) {
        nrBpMutex.lock();
        try {
            toggleBpSlot(bp, false, findSlotIdx(bp.type), hwBreakpointWeight(bp));
        } finally {
            nrBpMutex.unlock();
        }
    }
}
