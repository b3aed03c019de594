package org.hwbp.core.accounting;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hwbp.api.BreakpointSpec;

/**
 * Product invariant 2: the tables of a {@link SlotAccounting} ({@code cpu_pinned}, the {@code tsk_pinned}
 * histograms, {@code tsk_pinned_all}, the {@code cpu_pinned} histogram, the task lists and the count of
 * reservations) compared with a from-scratch recount of the breakpoints that should hold a slot. The kernel has
 * no such check (its KUnit tests probe the tables from outside); the caller holds the write side of the
 * constraint lock, so no registration is half done.
 */
final class AccountingRecount {
    private final SlotAccounting a;
    private final List<String> problems = new ArrayList<>();

    private AccountingRecount(SlotAccounting a) {
        this.a = a;
    }

    /** The differences between {@code a}'s tables and a recount of {@code reserved}, empty when consistent. */
    static List<String> compare(SlotAccounting a, Collection<? extends SlotUser> reserved) {
        AccountingRecount r = new AccountingRecount(a);
        r.run(reserved);
        return r.problems;
    }

    private void run(Collection<? extends SlotUser> reserved) {
        long held = a.held.get();
        if (held != reserved.size()) {
            problems.add("reservations counted " + held + ", recount " + reserved.size());
        }
        if (tablesUsed() != !reserved.isEmpty()) {
            problems.add("tables " + (tablesUsed() ? "in use" : "empty") + " with " + reserved.size()
                    + " reservations");
        }
        int cpus = a.cpus();
        int slots = a.slots();
        int[][] cpuCount = new int[a.typeCount][cpus];
        Map<Integer, List<SlotUser>> byTask = new HashMap<>();
        for (SlotUser bp : reserved) {
            if (bp.task() == BreakpointSpec.NO_TASK) {
                cpuCount[a.slotIdx(bp.slotType())][bp.cpu()]++;
            } else {
                byTask.computeIfAbsent(bp.task(), k -> new ArrayList<>()).add(bp);
            }
        }
        for (int type = 0; type < a.typeCount; type++) {
            int[] expCpuHist = new int[slots];
            for (int cpu = 0; cpu < cpus; cpu++) {
                if (cpuCount[type][cpu] != a.cpuPinned[type][cpu]) {
                    problems.add("cpu_pinned[" + cpu + "] = " + a.cpuPinned[type][cpu] + ", recount "
                            + cpuCount[type][cpu]);
                }
                if (cpuCount[type][cpu] > slots) {
                    problems.add("CPU " + cpu + " has " + cpuCount[type][cpu] + " CPU-bound reservations");
                } else if (cpuCount[type][cpu] > 0) {
                    expCpuHist[cpuCount[type][cpu] - 1]++;
                }
            }
            compareHist("cpu_pinned histogram", a.cpuPinnedHist[type], expCpuHist);
            int[] expAll = new int[slots];
            int[][] expPerCpu = new int[cpus][slots];
            for (List<SlotUser> bps : byTask.values()) {
                final int ty = type;
                List<SlotUser> ofType = bps.stream().filter(b -> a.slotIdx(b.slotType()) == ty).toList();
                if (ofType.isEmpty()) {
                    continue;
                }
                boolean mixed = ofType.stream().anyMatch(b -> b.cpu() >= 0);
                if (!mixed) {
                    bump(expAll, ofType.size(), "task");
                } else {
                    for (int cpu = 0; cpu < cpus; cpu++) {
                        final int c = cpu;
                        int n = (int) ofType.stream().filter(b -> b.cpu() < 0 || b.cpu() == c).count();
                        bump(expPerCpu[cpu], n, "task on CPU " + cpu);
                    }
                }
            }
            compareHist("tsk_pinned_all", a.tskPinnedAll[type], expAll);
            for (int cpu = 0; cpu < cpus; cpu++) {
                compareHist("tsk_pinned[" + cpu + "]", a.tskPinned[type][cpu], expPerCpu[cpu]);
                int worst = cpuCount[type][cpu]
                        + BpSlotsHistogram.maxMerge(a.tskPinned[type][cpu], a.tskPinnedAll[type]);
                if (worst > slots) {
                    problems.add("CPU " + cpu + " over-committed: " + worst + " > " + slots);
                }
            }
        }
        for (var e : a.locks.tasks()) {
            List<SlotUser> expected = byTask.getOrDefault(e.getKey(), List.of());
            if (e.getValue().bps.size() != expected.size() || !e.getValue().bps.containsAll(expected)) {
                problems.add("task " + e.getKey() + " list has " + e.getValue().bps.size() + " breakpoints, recount "
                        + expected.size());
            }
        }
    }

    /** Whether any table is non-empty: what Linux's hw_breakpoint_is_used() reads. */
    private boolean tablesUsed() {
        for (int type = 0; type < a.typeCount; type++) {
            for (int cpu = 0; cpu < a.cpus(); cpu++) {
                if (a.cpuPinned[type][cpu] != 0 || !a.tskPinned[type][cpu].isEmpty()) {
                    return true;
                }
            }
            if (!a.tskPinnedAll[type].isEmpty() || !a.cpuPinnedHist[type].isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private void bump(int[] hist, int n, String what) {
        if (n > a.slots()) {
            problems.add(what + " has " + n + " reservations");
        } else if (n > 0) {
            hist[n - 1]++;
        }
    }

    private void compareHist(String name, BpSlotsHistogram actual, int[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (actual.bucket(i) != expected[i]) {
                problems.add(name + " bucket " + i + " = " + actual.bucket(i) + ", recount " + expected[i]);
            }
        }
    }
}
