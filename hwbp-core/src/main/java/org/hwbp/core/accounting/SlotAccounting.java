package org.hwbp.core.accounting;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.core.cacheline.PaddedCounter;

/**
 * The breakpoint slot-constraint accounting of kernel/events/hw_breakpoint.c after Marco Elver's 2022 rewrite.
 *
 * <p>Per CPU and slot type: {@code cpu_pinned} (CPU-bound breakpoints) and the {@code tsk_pinned} histogram
 * (tasks with CPU-specific breakpoints); globally the {@code cpu_pinned} histogram (max over CPUs in
 * O(slots)) and {@code tsk_pinned_all} (tasks whose breakpoints all follow them on every CPU). The cost of a
 * task registration does not depend on the number of tasks or CPUs, except the two transitions between
 * "all CPU-independent" and "mixed" of one task (toggle_bp_slot cases 2a/2b).
 *
 * <p>Locking as bp_constraints_lock() ({@link ConstraintLocks}): a task breakpoint takes its task's mutex, then
 * the constraint lock for reading (registrations for different tasks run in parallel); a CPU breakpoint takes it
 * for writing. Each task's list of breakpoints is a {@link TaskBps}; {@link AccountingRecount} checks the tables;
 * {@link SlotHolders} names who holds the slots when a reservation is refused.
 */
public final class SlotAccounting {

    private final int cpus;
    private final int slots;
    final int typeCount;
    /** bp_cpuinfo[type][cpu].cpu_pinned; written under the write lock only. */
    final int[][] cpuPinned;
    /** bp_cpuinfo[type][cpu].tsk_pinned. */
    final BpSlotsHistogram[][] tskPinned;
    /** cpu_pinned[type]: how many CPUs have N CPU-bound breakpoints. Written under the write lock only. */
    final BpSlotsHistogram[] cpuPinnedHist;
    /** tsk_pinned_all[type]. */
    final BpSlotsHistogram[] tskPinnedAll;
    /** bp_cpuinfo_sem and task_bps_ht with each task's mutex. */
    final ConstraintLocks locks = new ConstraintLocks();
    /**
     * The CPU-bound breakpoints holding a slot (the kernel needs no list; {@link #verify()} recounts from it and
     * {@link SlotHolders} names them).
     */
    final Set<SlotUser> cpuBound = ConcurrentHashMap.newKeySet();
    /**
     * Breakpoints holding a slot, for the lockless {@link #isUsed()}: counted up before a reservation enters
     * the tables and down after it left them, and kept up across a modify. Reading the tables instead (as
     * Linux does) can see a modify_bp_slot() between its release and its reserve, or a task moving between
     * histograms (toggle_bp_slot cases 2a/2b), as "nothing used" (found by AccountingLinearizabilityTest).
     * Bumped twice by every reservation and release, so alone on its lines.
     */
    final PaddedCounter held = new PaddedCounter(0);

    /**
     * @param cpus possible CPUs
     * @param slots hw_breakpoint_slots() per type (HBP_NUM = 4 on x86)
     * @param mixedRegs CONFIG_HAVE_MIXED_BREAKPOINTS_REGS: instruction and data breakpoints share one pool
     */
    public SlotAccounting(int cpus, int slots, boolean mixedRegs) {
        this.cpus = cpus;
        this.slots = slots;
        this.typeCount = mixedRegs ? 1 : 2;
        cpuPinned = new int[typeCount][cpus];
        tskPinned = new BpSlotsHistogram[typeCount][cpus];
        cpuPinnedHist = new BpSlotsHistogram[typeCount];
        tskPinnedAll = new BpSlotsHistogram[typeCount];
        for (int t = 0; t < typeCount; t++) {
            cpuPinnedHist[t] = new BpSlotsHistogram(slots);
            tskPinnedAll[t] = new BpSlotsHistogram(slots);
            for (int c = 0; c < cpus; c++) {
                tskPinned[t][c] = new BpSlotsHistogram(slots);
            }
        }
    }

    public int cpus() {
        return cpus;
    }

    public int slots() {
        return slots;
    }

    /** find_slot_idx(): data for anything with R or W, else instruction (the same index with mixed regs). */
    int slotIdx(int bpType) {
        return slotIdx(typeCount, bpType);
    }

    static int slotIdx(int typeCount, int bpType) {
        if (typeCount == 1) {
            return 0;
        }
        return (bpType & BreakpointSpec.RW) != 0 ? 1 : 0;
    }

    /** The constraint locks of one breakpoint, held for the lifetime of the returned handle. */
    public final class ConstraintLock implements AutoCloseable {
        private final TaskBps task;

        private ConstraintLock(SlotUser bp) {
            task = locks.lock(bp);
        }

        @Override
        public void close() {
            locks.unlock(task);
        }
    }

    /** bp_constraints_lock(): blocks until the locks {@code bp}'s registration needs are held. */
    public ConstraintLock lock(SlotUser bp) {
        return new ConstraintLock(bp);
    }

    /** reserve_bp_slot(). */
    public void reserve(SlotUser bp) {
        TaskBps t = locks.lock(bp);
        try {
            reserveLocked(bp, bp.slotType(), t);
        } finally {
            locks.unlock(t);
        }
    }

    /** release_bp_slot(). */
    public void release(SlotUser bp) {
        TaskBps t = locks.lock(bp);
        try {
            toggle(bp, false, slotIdx(bp.slotType()), t);
        } finally {
            locks.unlock(t);
        }
    }

    /**
     * modify_bp_slot(): releases the slot of {@code oldType} and reserves one of {@code newType}; on failure
     * the old reservation is put back (it must succeed) and the error thrown.
     */
    public void modify(SlotUser bp, int oldType, int newType) {
        try (ConstraintLock l = lock(bp)) {
            held.incrementAndGet();
            try {
                toggle(bp, false, slotIdx(oldType), locks.taskOf(bp));
                try {
                    reserveLocked(bp, newType);
                } catch (HwbpException e) {
                    reserveLocked(bp, oldType);
                    throw e;
                }
            } finally {
                held.decrementAndGet();
            }
        }
    }

    /**
     * dbg_reserve_bp_slot(): never waits. Refused with EBUSY (Linux: -1) if bp_constraints_is_locked(): the
     * write lock is held, or for a task breakpoint its task mutex, or for a CPU breakpoint any reader.
     */
    public void dbgReserve(SlotUser bp) {
        runUnlessLocked(bp, () -> reserveLocked(bp, bp.slotType()));
    }

    /** dbg_release_bp_slot(): never waits; EBUSY if a constraint lock is held. */
    public void dbgRelease(SlotUser bp) {
        runUnlessLocked(bp, () -> toggle(bp, false, slotIdx(bp.slotType()), locks.taskOf(bp)));
    }

    /**
     * Runs {@code action} with {@code bp}'s constraint locks if they are free right now; EBUSY otherwise. The
     * kernel checks bp_constraints_is_locked() and then runs unlocked because every other CPU is stopped;
     * here other threads keep running, so the check is a try-lock that also excludes them for the duration.
     */
    public void runUnlessLocked(SlotUser bp, Runnable action) {
        locks.runUnlessLocked(bp, action);
    }

    /** __reserve_bp_slot(); the caller holds the constraint locks. */
    private void reserveLocked(SlotUser bp, int bpType) {
        reserveLocked(bp, bpType, locks.taskOf(bp));
    }

    /** __reserve_bp_slot() with {@code bp}'s task entry (null for a CPU breakpoint) already looked up. */
    private void reserveLocked(SlotUser bp, int bpType, TaskBps t) {
        if (bpType == BreakpointSpec.EMPTY || bpType == BreakpointSpec.INVALID) {
            throw new HwbpException(Errno.EINVAL, "invalid breakpoint type " + bpType);
        }
        int type = slotIdx(bpType);
        int maxPinned = maxBpPinnedSlots(bp, type, t);
        if (maxPinned + weight() > slots) {
            throw new HwbpException(Errno.ENOSPC, SlotHolders.noSpaceMessage(this, bp, type, t));
        }
        toggle(bp, true, type, t);
    }

    /** __reserve_bp_slot() for a caller inside {@link #runUnlessLocked}. */
    public void reserveLocked(SlotUser bp) {
        reserveLocked(bp, bp.slotType());
    }

    /** __release_bp_slot() for a caller inside {@link #runUnlessLocked}. */
    public void releaseLocked(SlotUser bp) {
        toggle(bp, false, slotIdx(bp.slotType()), locks.taskOf(bp));
    }

    /**
     * Whether {@code bp} would fit now (the ENOSPC test of __reserve_bp_slot without reserving). The caller
     * holds the constraint locks.
     */
    public boolean fitsLocked(SlotUser bp) {
        return maxBpPinnedSlots(bp, slotIdx(bp.slotType()), locks.taskOf(bp)) + weight() <= slots;
    }

    /** hw_breakpoint_weight(): 1 (x86 does not override it). */
    static int weight() {
        return 1;
    }

    /** task_bp_pinned() of {@code t} (0 for a CPU breakpoint, which has no task entry). */
    int taskBpPinned(int cpu, SlotUser bp, int type, TaskBps t) {
        return t == null ? 0 : t.pinned(cpu, bp, type, typeCount);
    }

    /** max_task_bp_pinned(): the busiest task whose breakpoints apply to {@code cpu}. */
    int maxTaskBpPinned(int cpu, int type) {
        return BpSlotsHistogram.maxMerge(tskPinned[type][cpu], tskPinnedAll[type]);
    }

    /** max_bp_pinned_slots(): the worst-case occupancy {@code bp} must coexist with. */
    private int maxBpPinnedSlots(SlotUser bp, int type, TaskBps t) {
        boolean isTask = bp.task() != BreakpointSpec.NO_TASK;
        if (isTask && bp.cpu() < 0) {
            int maxPinned = taskBpPinned(-1, bp, type, t);
            if (maxPinned >= 0) {
                // Fast path: the task's count is the same on every CPU.
                return maxPinned + cpuPinnedHist[type].max();
            }
        }
        int pinnedSlots = 0;
        int from = bp.cpu() >= 0 ? bp.cpu() : 0;
        int to = bp.cpu() >= 0 ? bp.cpu() : cpus - 1;
        for (int cpu = from; cpu <= to; cpu++) {
            int nr = cpuPinned[type][cpu];
            nr += isTask ? taskBpPinned(cpu, bp, type, t) : maxTaskBpPinned(cpu, type);
            pinnedSlots = Math.max(nr, pinnedSlots);
        }
        return pinnedSlots;
    }

    /** toggle_bp_slot(): adds ({@code enable}) or removes {@code bp} in the tables. */
    private void toggle(SlotUser bp, boolean enable, int type, TaskBps t) {
        if (enable) {
            held.incrementAndGet();
        }
        toggleTables(bp, enable, type, t);
        if (!enable) {
            held.decrementAndGet();
        }
    }

    private void toggleTables(SlotUser bp, boolean enable, int type, TaskBps t) {
        int weight = enable ? weight() : -weight();
        if (bp.task() == BreakpointSpec.NO_TASK) {
            cpuPinnedHist[type].add(cpuPinned[type][bp.cpu()], weight);
            cpuPinned[type][bp.cpu()] += weight;
            if (enable) {
                cpuBound.add(bp);
            } else {
                cpuBound.remove(bp);
            }
            return;
        }
        if (!enable) {
            // Remove first so that task_bp_pinned() sees whether this was the last CPU-specific one.
            if (!t.bps.remove(bp)) {
                throw new IllegalStateException("breakpoint was not reserved: " + bp);
            }
        }
        int nextTskPinned = taskBpPinned(-1, bp, type, t);
        if (nextTskPinned >= 0) {
            if (bp.cpu() < 0) {
                // Case 1: only CPU-independent breakpoints: the global histogram alone.
                if (!enable) {
                    nextTskPinned += weight();
                }
                tskPinnedAll[type].add(nextTskPinned, weight);
            } else if (enable) {
                // Case 2a: first CPU-specific breakpoint: move the task into every CPU's histogram.
                for (int cpu = 0; cpu < cpus; cpu++) {
                    tskPinned[type][cpu].add(0, nextTskPinned);
                }
                tskPinned[type][bp.cpu()].add(nextTskPinned, weight);
                tskPinnedAll[type].add(nextTskPinned, -nextTskPinned);
            } else {
                // Case 2b: last CPU-specific breakpoint removed: back to the global histogram.
                tskPinned[type][bp.cpu()].add(nextTskPinned + weight(), weight);
                for (int cpu = 0; cpu < cpus; cpu++) {
                    tskPinned[type][cpu].add(nextTskPinned, -nextTskPinned);
                }
                tskPinnedAll[type].add(0, nextTskPinned);
            }
        } else {
            // Case 3: the task has CPU-specific breakpoints: per-CPU histograms of the CPUs bp covers.
            int from = bp.cpu() >= 0 ? bp.cpu() : 0;
            int to = bp.cpu() >= 0 ? bp.cpu() : cpus - 1;
            for (int cpu = from; cpu <= to; cpu++) {
                int next = taskBpPinned(cpu, bp, type, t);
                if (!enable) {
                    next += weight();
                }
                tskPinned[type][cpu].add(next, weight);
            }
        }
        if (enable) {
            t.bps.add(bp);
        }
    }

    /**
     * hw_breakpoint_is_used(): whether any breakpoint holds a slot. Lockless, as in Linux, but linearizable:
     * it reads the count of reservations, which {@link #verify()} checks against the tables.
     */
    public boolean isUsed() {
        return held.get() > 0;
    }

    /** Slots reserved on {@code cpu} in the worst case: CPU-bound breakpoints plus the busiest task there. */
    public int pinnedOn(int cpu) {
        int worst = 0;
        for (int type = 0; type < typeCount; type++) {
            worst = Math.max(worst, cpuPinned[type][cpu] + maxTaskBpPinned(cpu, type));
        }
        return worst;
    }

    /**
     * Compares every table with a from-scratch recount of {@code reserved} (product invariant 2). Holds the
     * write lock, so it sees no registration half done. Returns the differences, empty when consistent.
     */
    public List<String> verify(Collection<? extends SlotUser> reserved) {
        locks.lockAll();
        try {
            return AccountingRecount.compare(this, reserved);
        } finally {
            locks.unlockAll();
        }
    }

    /**
     * Compares every table with a from-scratch recount of the breakpoints the accounting holds (its task lists
     * and CPU-bound set), under the write lock: consistent even while other threads register.
     */
    public List<String> verify() {
        locks.lockAll();
        try {
            List<SlotUser> reserved = new ArrayList<>(cpuBound);
            reserved.addAll(locks.taskBreakpoints());
            return AccountingRecount.compare(this, reserved);
        } finally {
            locks.unlockAll();
        }
    }
}
