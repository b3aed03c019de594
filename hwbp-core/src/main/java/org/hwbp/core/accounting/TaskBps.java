package org.hwbp.core.accounting;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One task's entry of {@code task_bps_ht} (kernel/events/hw_breakpoint.c): the task's breakpoints holding a slot
 * and the task's perf_event_mutex that guards the list (taken by bp_constraints_lock() for a task breakpoint).
 */
final class TaskBps {
    final ReentrantLock mutex = new ReentrantLock();
    final List<SlotUser> bps = new ArrayList<>();

    /**
     * task_bp_pinned(): the weight of the task's own breakpoints of slot index {@code type} that apply to
     * {@code cpu}, excluding {@code bp} itself; with {@code cpu == -1}, the task total, or -1 if it has any
     * CPU-specific breakpoint. {@code typeCount} is the accounting's number of slot indexes.
     */
    int pinned(int cpu, SlotUser bp, int type, int typeCount) {
        List<SlotUser> bps = this.bps;
        int count = 0;
        for (int i = 0, n = bps.size(); i < n; i++) {
            SlotUser iter = bps.get(i);
            if (iter == bp || SlotAccounting.slotIdx(typeCount, iter.slotType()) != type) {
                continue;
            }
            if (iter.cpu() >= 0) {
                if (cpu == -1) {
                    return -1;
                } else if (cpu != iter.cpu()) {
                    continue;
                }
            }
            count += SlotAccounting.weight();
        }
        return count;
    }
}
