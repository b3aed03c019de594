package org.hwbp.bench;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one reservation: reserve_bp_slot() + release_bp_slot() of one task-on-all-CPUs breakpoint while
 * {@code live} other task breakpoints (4 each on {@code live}/4 other tasks, all cpu = -1 like perf bench's
 * inherited ones) are registered. {@code naive} is the pre-2022 kernel algorithm (O(#cpus x #breakpoints),
 * {@link NaiveAccounting}); {@code sandbox} the project's SlotAccounting (the 2022 histograms, O(1) here).
 * {@link #chmLockPair} is the floor a Java reservation can hope for: one map insert and removal under a lock.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReservationBenchmark {

    /** Breakpoints per live task: HBP_NUM, the most a task can hold. */
    static final int PER_TASK = 4;

    @State(Scope.Benchmark)
    public static class Reservation {
        @Param({"sandbox", "naive"})
        public String impl;

        @Param({"4", "256", "1024"})
        public int cpus;

        @Param({"0", "512", "100000"})
        public int live;

        Accounting accounting;
        /** The measured task's breakpoint: task 1, which holds nothing else. */
        BenchBp bp;

        @Setup(Level.Trial)
        public void setUp() {
            accounting = Accounting.of(impl, cpus);
            BenchBp[][] tasks = new BenchBp[live / PER_TASK][];
            for (int t = 0; t < tasks.length; t++) {
                tasks[t] = new BenchBp[PER_TASK];
                for (int i = 0; i < PER_TASK; i++) {
                    tasks[t][i] = BenchBp.taskOnAllCpus(2 + t);
                }
            }
            if (accounting instanceof NaiveAccounting naive) {
                naive.preloadAllCpuTaskBreakpoints(tasks);
            } else {
                for (BenchBp[] bps : tasks) {
                    for (BenchBp b : bps) {
                        accounting.reserve(b);
                    }
                }
            }
            bp = BenchBp.taskOnAllCpus(1);
        }
    }

    @Benchmark
    public void reservePair(Reservation s) {
        s.accounting.reserve(s.bp);
        s.accounting.release(s.bp);
    }

    @State(Scope.Benchmark)
    public static class Floor {
        final ConcurrentHashMap<Integer, Object> map = new ConcurrentHashMap<>();
        final ReentrantLock lock = new ReentrantLock();
        final Object value = new Object();
        int nextKey = 1;
    }

    @Benchmark
    public void chmLockPair(Floor f) {
        f.lock.lock();
        try {
            Integer key = f.nextKey++;
            f.map.put(key, f.value);
            f.map.remove(key);
        } finally {
            f.lock.unlock();
        }
    }
}
