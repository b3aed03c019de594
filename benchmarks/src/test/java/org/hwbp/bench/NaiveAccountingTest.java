package org.hwbp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.HwbpException;
import org.junit.jupiter.api.Test;

/**
 * The pre-2022 algorithm and the 2022 histograms admit exactly the same breakpoints (Elver's series changed
 * the cost, not the rule: "No functional change"), so NaiveAccounting must agree with SlotAccounting on every
 * reserve of a random sequence of CPU, task-on-one-CPU and task-on-all-CPUs breakpoints, releases included.
 */
class NaiveAccountingTest {

    @Test
    void admitsExactlyWhatTheSandboxAccountingAdmits() {
        Random rnd = new Random(20220830);
        for (int round = 0; round < 50; round++) {
            int cpus = 1 + rnd.nextInt(4);
            Accounting naive = Accounting.of("naive", cpus);
            Accounting sandbox = Accounting.of("sandbox", cpus);
            List<BenchBp[]> held = new ArrayList<>();
            for (int step = 0; step < 400; step++) {
                if (!held.isEmpty() && rnd.nextInt(3) == 0) {
                    BenchBp[] pair = held.remove(rnd.nextInt(held.size()));
                    naive.release(pair[0]);
                    sandbox.release(pair[1]);
                    continue;
                }
                int task = rnd.nextInt(4);
                int cpu = task == BreakpointSpec.NO_TASK ? rnd.nextInt(cpus) : rnd.nextInt(cpus + 1) - 1;
                int type = rnd.nextBoolean() ? BreakpointSpec.W : BreakpointSpec.X;
                BenchBp a = new BenchBp(cpu, task, type);
                BenchBp b = new BenchBp(cpu, task, type);
                String na = outcome(naive, a);
                String sa = outcome(sandbox, b);
                assertEquals(sa, na, "round " + round + " step " + step + ": " + a + " on " + cpus + " CPUs");
                if (na.equals("ok")) {
                    held.add(new BenchBp[] {a, b});
                }
            }
        }
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
