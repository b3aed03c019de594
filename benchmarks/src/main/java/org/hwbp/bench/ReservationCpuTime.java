package org.hwbp.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code reservePair} of the sandbox against {@code chmLockPair}, the same operations as
 * {@link ReservationBenchmark}, measured in the thread's CPU time rather than wall time: on a machine shared with
 * other work, wall time counts the time the thread waited for a CPU, CPU time does not. Blocks of pairs of the
 * two alternate in one JVM, so each ratio compares neighbours in time; the medians over the blocks are printed.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar org.hwbp.bench.ReservationCpuTime cpus live [blocks]}
 * (blocks default 9, each 2 000 000 pairs of each, after 5 such blocks of warm-up).
 */
public final class ReservationCpuTime {
    private static final int PAIRS = 2_000_000;

    private final ConcurrentHashMap<Integer, Object> map = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Object value = new Object();
    private int nextKey = 1;

    private ReservationCpuTime() {
    }

    /** {@link ReservationBenchmark#chmLockPair}, {@code n} times. */
    private void chmLockPairs(int n) {
        for (int i = 0; i < n; i++) {
            lock.lock();
            try {
                Integer key = nextKey++;
                map.put(key, value);
                map.remove(key);
            } finally {
                lock.unlock();
            }
        }
    }

    private static void reservePairs(Accounting accounting, BenchBp bp, int n) {
        for (int i = 0; i < n; i++) {
            accounting.reserve(bp);
            accounting.release(bp);
        }
    }

    public static void main(String[] args) {
        int cpus = Integer.parseInt(args[0]);
        int live = Integer.parseInt(args[1]);
        int blocks = args.length > 2 ? Integer.parseInt(args[2]) : 9;
        Accounting accounting = Accounting.of("sandbox", cpus);
        // As ReservationBenchmark's setup: live / 4 other tasks with 4 task-on-all-CPUs breakpoints each.
        for (int t = 0; t < live / ReservationBenchmark.PER_TASK; t++) {
            for (int i = 0; i < ReservationBenchmark.PER_TASK; i++) {
                accounting.reserve(BenchBp.taskOnAllCpus(2 + t));
            }
        }
        BenchBp bp = BenchBp.taskOnAllCpus(1);
        ReservationCpuTime floor = new ReservationCpuTime();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int w = 0; w < 5; w++) {
            reservePairs(accounting, bp, PAIRS);
            floor.chmLockPairs(PAIRS);
        }
        double[] reserve = new double[blocks];
        double[] chm = new double[blocks];
        double[] ratio = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            long t0 = mx.getCurrentThreadCpuTime();
            reservePairs(accounting, bp, PAIRS);
            long t1 = mx.getCurrentThreadCpuTime();
            floor.chmLockPairs(PAIRS);
            long t2 = mx.getCurrentThreadCpuTime();
            reserve[b] = (t1 - t0) / (double) PAIRS;
            chm[b] = (t2 - t1) / (double) PAIRS;
            ratio[b] = reserve[b] / chm[b];
        }
        Arrays.sort(reserve);
        Arrays.sort(chm);
        Arrays.sort(ratio);
        System.out.printf("cpus=%d live=%d: reservePair %.1f ns (min %.1f), chmLockPair %.1f ns (min %.1f) of CPU "
                + "time per op (medians of %d blocks); reservePair/chmLockPair median %.2f (%.2f..%.2f)%n", cpus, live,
                reserve[blocks / 2], reserve[0], chm[blocks / 2], chm[0], blocks, ratio[blocks / 2], ratio[0],
                ratio[blocks - 1]);
    }
}
