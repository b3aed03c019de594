package org.hwbp.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Port of {@code perf bench breakpoint thread} (tools/perf/bench/breakpoint.c, Dmitry Vyukov 2022): the main
 * task opens {@code breakpoints} inheritable task breakpoints (cpu = -1, 1-byte RW) once; {@code parallelism}
 * workers each create a batch of {@code threads} passive threads that block until the batch is complete, then
 * wake and join them. Every created thread is a simulated task that inherits the main task's breakpoints:
 * perf_event_init_task() clones each event in the parent's clone() path, and each clone must reserve a slot
 * (reserve_bp_slot) before the child runs; the child's do_exit() (perf_event_exit_task → free_event →
 * bp_perf_event_destroy → release_bp_slot) releases them, which here runs at the end of the Java thread, so
 * join() returns after the release. One op = one batch on every worker, i.e. parallelism x threads threads
 * (perf's usecs/op is per thread: divide by that product). Live tasks never exceed parallelism x threads + main.
 *
 * <p>{@code off} admits everything without accounting: Elver's "constraints accounting disabled" reference.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class ThreadBenchmark {

    @Param({"sandbox", "naive", "off"})
    public String impl;

    @Param({"256"})
    public int cpus;

    @Param({"4"})
    public int breakpoints;

    @Param({"64"})
    public int threads;

    @Param({"2"})
    public int parallelism;

    private Accounting accounting;
    private ExecutorService workers;
    private final AtomicInteger nextTask = new AtomicInteger(2);
    private final List<BenchBp> mainBps = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() {
        accounting = Accounting.of(impl, cpus);
        // breakpoint_setup() on the main task (task 1), before timing starts; they live for the whole run.
        for (int i = 0; i < breakpoints; i++) {
            BenchBp bp = BenchBp.taskOnAllCpus(1);
            accounting.reserve(bp);
            mainBps.add(bp);
        }
        workers = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "perf-bench-worker");
            t.setDaemon(true);
            return t;
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        workers.shutdownNow();
        for (BenchBp bp : mainBps) {
            accounting.release(bp);
        }
        mainBps.clear();
    }

    @Benchmark
    public void thread() throws InterruptedException, ExecutionException {
        List<Future<?>> batches = new ArrayList<>(parallelism);
        for (int w = 0; w < parallelism; w++) {
            batches.add(workers.submit(() -> {
                batch();
                return null;
            }));
        }
        for (Future<?> f : batches) {
            f.get();
        }
    }

    /** One worker's batch: create {@code threads} passive threads, release them, join them. */
    private void batch() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] batch = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int task = nextTask.getAndIncrement();
            // inherit_event() for each of the parent's breakpoints: reserved in the clone() path.
            BenchBp[] inherited = new BenchBp[breakpoints];
            for (int b = 0; b < breakpoints; b++) {
                inherited[b] = BenchBp.taskOnAllCpus(task);
                accounting.reserve(inherited[b]);
            }
            batch[i] = new Thread(() -> {
                try {
                    // The passive thread: futex-wait until the whole batch exists.
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    // do_exit() → perf_event_exit_task(): the inherited events are freed and release their slots.
                    try {
                        for (BenchBp bp : inherited) {
                            accounting.release(bp);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }
            }, "task-" + task);
            batch[i].start();
        }
        done.countDown();
        for (Thread t : batch) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("release failed", failure.get());
        }
    }
}
