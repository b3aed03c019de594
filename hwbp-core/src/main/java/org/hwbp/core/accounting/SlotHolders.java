package org.hwbp.core.accounting;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.hwbp.api.BreakpointSpec;

/**
 * The text of an ENOSPC refusal: where a reservation did not fit and who holds the slots there. Linux answers
 * -ENOSPC alone; the sandbox names the holders as its accounting counted them for the refused breakpoint, so a
 * user sees why. Only the refusal path pays for naming them (it walks the CPU-bound breakpoints and, for a CPU
 * breakpoint, the tasks): a reservation that fits costs what it did. The caller holds the constraint locks.
 */
final class SlotHolders {
    private static final Comparator<SlotUser> HOLDER_ORDER =
            Comparator.comparingLong(SlotUser::order).thenComparing(SlotUser::holder);

    private SlotHolders() {
    }

    /** The ENOSPC message for {@code bp} (slot index {@code type}, task entry {@code t}) refused by {@code a}. */
    static String noSpaceMessage(SlotAccounting a, SlotUser bp, int type, TaskBps t) {
        String where;
        if (bp.task() == BreakpointSpec.NO_TASK) {
            where = "no free debug-register slot on CPU " + bp.cpu();
        } else {
            where = "no free debug-register slot for task " + bp.task()
                    + (bp.cpu() < 0 ? " on every CPU" : " on CPU " + bp.cpu());
        }
        int cpu = fullestCpu(a, bp, type, t);
        List<SlotUser> holders = holders(a, bp, type, t, cpu);
        if (holders.isEmpty()) {
            return where;
        }
        StringBuilder sb = new StringBuilder(where).append(": ");
        if (bp.cpu() < 0) {
            sb.append("CPU ").append(cpu).append(" held by ");
        }
        for (int i = 0; i < holders.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(holders.get(i).holder());
        }
        return sb.toString();
    }

    /** The first CPU where max_bp_pinned_slots() found its maximum for {@code bp}. */
    private static int fullestCpu(SlotAccounting a, SlotUser bp, int type, TaskBps t) {
        boolean isTask = bp.task() != BreakpointSpec.NO_TASK;
        int from = bp.cpu() >= 0 ? bp.cpu() : 0;
        int to = bp.cpu() >= 0 ? bp.cpu() : a.cpus() - 1;
        int best = from;
        int max = -1;
        for (int cpu = from; cpu <= to; cpu++) {
            int nr = a.cpuPinned[type][cpu]
                    + (isTask ? a.taskBpPinned(cpu, bp, type, t) : a.maxTaskBpPinned(cpu, type));
            if (nr > max) {
                max = nr;
                best = cpu;
            }
        }
        return best;
    }

    /**
     * Who holds {@code cpu}'s slots of slot index {@code type} as the accounting counted them for {@code bp}: the
     * CPU-bound breakpoints on it, then the breakpoints of {@code bp}'s own task (a task breakpoint) or of the
     * busiest task there (a CPU breakpoint), each in registration order.
     */
    private static List<SlotUser> holders(SlotAccounting a, SlotUser bp, int type, TaskBps t, int cpu) {
        List<SlotUser> out = new ArrayList<>();
        for (SlotUser u : a.cpuBound) {
            if (u.cpu() == cpu && a.slotIdx(u.slotType()) == type) {
                out.add(u);
            }
        }
        out.sort(HOLDER_ORDER);
        TaskBps tasks = t;
        if (bp.task() == BreakpointSpec.NO_TASK) {
            // The caller holds the constraint lock for writing: no task list changes meanwhile.
            int max = 0;
            int busiest = Integer.MAX_VALUE;
            for (Map.Entry<Integer, TaskBps> e : a.locks.tasks()) {
                int n = e.getValue().pinned(cpu, bp, type, a.typeCount);
                if (n > max || (n == max && n > 0 && e.getKey() < busiest)) {
                    max = n;
                    busiest = e.getKey();
                    tasks = e.getValue();
                }
            }
        }
        if (tasks != null) {
            List<SlotUser> own = new ArrayList<>();
            for (SlotUser u : List.copyOf(tasks.bps)) {
                if (u != bp && (u.cpu() < 0 || u.cpu() == cpu) && a.slotIdx(u.slotType()) == type) {
                    own.add(u);
                }
            }
            own.sort(HOLDER_ORDER);
            out.addAll(own);
        }
        return out;
    }
}
