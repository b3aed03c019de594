package org.hwbp.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Hit;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;
import org.hwbp.core.accounting.SlotAccounting;

/**
 * Registers {@code tasks} tasks with 4 task-on-all-CPUs breakpoints each and prints the heap they keep live,
 * once in the bare SlotAccounting and once through HwBreakpointCore (tasks, perf events, owner scopes). Meant
 * to run in a JVM with -Xmx256m: an OutOfMemoryError there means the goal is missed (exit status 1).
 *
 * <p>Usage: {@code java -Xmx256m -cp target/benchmarks.jar org.hwbp.bench.HeapFootprint [tasks] [cpus]}.
 * Prints {@code accounting-bytes=N} and {@code core-bytes=N} lines, then {@code ok}.
 */
public final class HeapFootprint {

    private HeapFootprint() {
    }

    public static void main(String[] args) {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int cpus = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        try {
            System.out.println("max-heap-bytes=" + Runtime.getRuntime().maxMemory());
            long base = usedAfterGc();
            System.out.println("accounting-bytes=" + (accounting(tasks, cpus, base)));
            base = usedAfterGc();
            System.out.println("core-bytes=" + (core(tasks, cpus, base)));
            System.out.println("ok");
        } catch (OutOfMemoryError e) {
            System.out.println("OutOfMemoryError: " + e.getMessage());
            System.exit(1);
        }
    }

    private static long accounting(int tasks, int cpus, long base) {
        SlotAccounting acc = new SlotAccounting(cpus, Accounting.SLOTS, true);
        List<BenchBp> bps = new ArrayList<>(tasks * ReservationBenchmark.PER_TASK);
        for (int t = 1; t <= tasks; t++) {
            for (int i = 0; i < ReservationBenchmark.PER_TASK; i++) {
                BenchBp bp = BenchBp.taskOnAllCpus(t);
                acc.reserve(bp);
                bps.add(bp);
            }
        }
        long used = usedAfterGc() - base;
        if (!acc.verify(bps).isEmpty()) {
            throw new IllegalStateException("accounting inconsistent: " + acc.verify(bps).get(0));
        }
        return used;
    }

    private static long core(int tasks, int cpus, long base) {
        HwBreakpointCore core = new HwBreakpointCore(cpus, Policy.LINUX, 1000);
        try {
            BreakpointServiceImpl ptrace = new BreakpointServiceImpl(core, "org.hwbp.ptrace-client");
            BreakpointHandler quiet = new BreakpointHandler() {
                @Override
                public void triggered(Breakpoint bp, Hit hit) {
                }
            };
            List<Breakpoint> handles = new ArrayList<>(tasks * ReservationBenchmark.PER_TASK);
            for (int t = 0; t < tasks; t++) {
                int task = core.createTask(null);
                for (int i = 0; i < ReservationBenchmark.PER_TASK; i++) {
                    // ptrace's user watchpoints: DR0-DR3 of the tracee, 8-byte aligned, kernel excluded.
                    handles.add(ptrace.register(BreakpointSpec.forTask(task, 0x10000 + 8L * i, 8, BreakpointSpec.W)
                            .withExcludeKernel(true), quiet));
                }
            }
            long used = usedAfterGc() - base;
            if (handles.size() != tasks * ReservationBenchmark.PER_TASK || !core.check().isEmpty()) {
                throw new IllegalStateException("core inconsistent: " + core.check());
            }
            return used;
        } finally {
            core.shutdown();
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
