package org.hwbp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.junit.jupiter.api.Test;

/**
 * ReservationBenchmark fills the naive accounting with {@link NaiveAccounting#preloadAllCpuTaskBreakpoints}
 * instead of reserve_bp_slot() per breakpoint, so the benchmark's naive/sandbox ratio is only meaningful if the
 * shortcut leaves the same state. Three accountings get the same task-on-all-CPUs breakpoints: the naive one by
 * the preload, the naive one by reserve() of each, and the sandbox's SlotAccounting by reserve() of each. Then
 * every CPU and every task is probed, and a random sequence of reserves and releases (the preloaded breakpoints
 * included, so their list links and tsk_pinned buckets are exercised) must get the same answer from all three.
 */
class NaiveAccountingPreloadTest {
    private static final int[] TYPES = {BreakpointSpec.W, BreakpointSpec.RW, BreakpointSpec.X};

    /** One breakpoint as three objects, one per accounting (the naive list links its own nodes). */
    private record Triple(BenchBp preloaded, BenchBp reserved, BenchBp sandbox) {
        static Triple of(int cpu, int task, int type) {
            return new Triple(new BenchBp(cpu, task, type), new BenchBp(cpu, task, type), new BenchBp(cpu, task, type));
        }
    }

    private int refused;
    private int admitted;

    @Test
    void preloadLeavesTheStateReserveLeavesAndTheSandboxAgrees() {
        Random rnd = new Random(20221108);
        for (int round = 0; round < 40; round++) {
            int cpus = 1 + rnd.nextInt(6);
            NaiveAccounting preloaded = new NaiveAccounting(cpus, Accounting.SLOTS, true);
            Accounting reserved = Accounting.of("naive", cpus);
            Accounting sandbox = Accounting.of("sandbox", cpus);
            int taskCount = rnd.nextInt(10);
            BenchBp[][] tasks = new BenchBp[taskCount][];
            List<Triple> held = new ArrayList<>();
            for (int t = 0; t < taskCount; t++) {
                // tasks 2, 3, ... with 1 to 4 breakpoints each, as the benchmark's setup makes them
                int n = 1 + rnd.nextInt(Accounting.SLOTS);
                tasks[t] = new BenchBp[n];
                for (int i = 0; i < n; i++) {
                    Triple bp = Triple.of(-1, 2 + t, TYPES[rnd.nextInt(TYPES.length)]);
                    tasks[t][i] = bp.preloaded();
                    reserved.reserve(bp.reserved());
                    sandbox.reserve(bp.sandbox());
                    held.add(bp);
                }
            }
            preloaded.preloadAllCpuTaskBreakpoints(tasks);
            String where = "round " + round + " (" + cpus + " CPUs, " + taskCount + " tasks)";

            // every CPU: a CPU breakpoint fits iff the busiest task leaves a slot; every task: one more of its own
            for (int cpu = 0; cpu < cpus; cpu++) {
                probe(where, Triple.of(cpu, BreakpointSpec.NO_TASK, BreakpointSpec.W), preloaded, reserved, sandbox);
            }
            for (int task = 1; task < 2 + taskCount; task++) {
                probe(where, Triple.of(-1, task, BreakpointSpec.RW), preloaded, reserved, sandbox);
                probe(where, Triple.of(rnd.nextInt(cpus), task, BreakpointSpec.W), preloaded, reserved, sandbox);
            }

            for (int step = 0; step < 300; step++) {
                if (!held.isEmpty() && rnd.nextInt(3) == 0) {
                    Triple bp = held.remove(rnd.nextInt(held.size()));
                    preloaded.release(bp.preloaded());
                    reserved.release(bp.reserved());
                    sandbox.release(bp.sandbox());
                    continue;
                }
                int task = rnd.nextInt(3 + taskCount);
                int cpu = task == BreakpointSpec.NO_TASK ? rnd.nextInt(cpus) : rnd.nextInt(cpus + 1) - 1;
                Triple bp = Triple.of(cpu, task, TYPES[rnd.nextInt(TYPES.length)]);
                if (reserve(where + " step " + step, bp, preloaded, reserved, sandbox)) {
                    held.add(bp);
                }
            }
        }
        // the probes must have seen both answers, or agreement would prove little
        assertTrue(refused > 100, "refusals seen: " + refused);
        assertTrue(admitted > 100, "admissions seen: " + admitted);
    }

    @Test
    void preloadRefusesWhatReserveWouldAndOnlyTaskOnAllCpusBreakpoints() {
        NaiveAccounting naive = new NaiveAccounting(2, Accounting.SLOTS, true);
        BenchBp[] five = new BenchBp[Accounting.SLOTS + 1];
        for (int i = 0; i < five.length; i++) {
            five[i] = BenchBp.taskOnAllCpus(2);
        }
        HwbpException e = assertThrows(HwbpException.class,
                () -> naive.preloadAllCpuTaskBreakpoints(new BenchBp[][] {five}));
        assertEquals(Errno.ENOSPC, e.errno());
        assertThrows(IllegalArgumentException.class, () -> new NaiveAccounting(2, Accounting.SLOTS, true)
                .preloadAllCpuTaskBreakpoints(new BenchBp[][] {{new BenchBp(0, 2, BreakpointSpec.W)}}));
        assertThrows(IllegalArgumentException.class, () -> new NaiveAccounting(2, Accounting.SLOTS, true)
                .preloadAllCpuTaskBreakpoints(new BenchBp[][] {{new BenchBp(-1, BreakpointSpec.NO_TASK,
                        BreakpointSpec.W)}}));
    }

    /** Reserve and release again: the answer, with the state unchanged. */
    private void probe(String where, Triple bp, Accounting... accountings) {
        if (reserve(where, bp, accountings)) {
            accountings[0].release(bp.preloaded());
            accountings[1].release(bp.reserved());
            accountings[2].release(bp.sandbox());
        }
    }

    /** The same reserve on the three accountings, which must answer alike; whether it was admitted. */
    private boolean reserve(String where, Triple bp, Accounting... accountings) {
        String preloaded = outcome(accountings[0], bp.preloaded());
        String reserved = outcome(accountings[1], bp.reserved());
        String sandbox = outcome(accountings[2], bp.sandbox());
        assertEquals(sandbox, reserved, where + ": " + bp.sandbox() + ", naive by reserve() vs the sandbox");
        assertEquals(sandbox, preloaded, where + ": " + bp.sandbox() + ", naive by preload vs the sandbox");
        if (sandbox.equals("ok")) {
            admitted++;
            return true;
        }
        refused++;
        return false;
    }

    private static String outcome(Accounting acc, BenchBp bp) {
        try {
            acc.reserve(bp);
            return "ok";
        } catch (HwbpException e) {
            return e.errno().name();
        }
    }
}
