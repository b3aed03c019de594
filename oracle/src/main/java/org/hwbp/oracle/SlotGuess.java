package org.hwbp.oracle;

import java.util.HashMap;
import java.util.Map;

/**
 * The generator's rough guess of Linux's slot accounting, only to guess which registrations succeed and so which
 * ids exist (a wrong guess costs nothing but an ENOENT step): on each CPU, CPU-bound breakpoints plus the largest
 * number any one task has there must stay within 4; a tracer's DR write holds a slot of its task until it exits.
 */
final class SlotGuess {
    private final int cpus;
    private final Map<Integer, int[]> bps = new HashMap<>();
    private final Map<Integer, boolean[]> ptraceDrs = new HashMap<>();

    SlotGuess(int cpus) {
        this.cpus = cpus;
    }

    /** Breakpoint {@code id} of task {@code task} (0: none) on {@code cpu} (-1: all); false if it would not fit. */
    boolean take(int id, int task, int cpu) {
        int[] bp = {task, cpu};
        bps.put(id, bp);
        if (!fits()) {
            bps.remove(id);
            return false;
        }
        return true;
    }

    void release(int id) {
        bps.remove(id);
    }

    void ptrace(int task, int n) {
        boolean[] drs = ptraceDrs.computeIfAbsent(task, t -> new boolean[4]);
        if (!drs[n]) {
            drs[n] = true;
            if (!fits()) {
                drs[n] = false;
            }
        }
    }

    void exit(int task) {
        ptraceDrs.remove(task);
    }

    private boolean fits() {
        for (int c = 0; c < cpus; c++) {
            int pinned = 0;
            Map<Integer, Integer> perTask = new HashMap<>();
            for (int[] bp : bps.values()) {
                if (bp[1] == -1 || bp[1] == c) {
                    if (bp[0] == 0) {
                        pinned++;
                    } else {
                        perTask.merge(bp[0], 1, Integer::sum);
                    }
                }
            }
            ptraceDrs.forEach((t, drs) -> {
                for (boolean d : drs) {
                    if (d) {
                        perTask.merge(t, 1, Integer::sum);
                    }
                }
            });
            int most = perTask.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            if (pinned + most > 4) {
                return false;
            }
        }
        return true;
    }
}
