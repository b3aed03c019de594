package org.hwbp.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Debugger;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Hit;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * kgdb entering and leaving the debugger (kgdb_cpu_enter on every CPU: the claim of all CPUs, then its
 * release, which restores every CPU's registers from the shadows) while two other threads keep registering
 * and unregistering task breakpoints, so the constraint locks are often held. The claim never waits for
 * them (kgdb runs with every other CPU stopped and takes no lock). Sampled: read p99 and p99.9 of
 * {@code claim:claimer}.
 *
 * <p>Group {@code spin} is the reference of the same shape: its one thread {@code spinner} only burns the CPU for
 * the claim's median ({@link Blackhole#consumeCPU}) beside the same two registrars, so the tail that the machine
 * itself adds (JIT, GC, the OS preempting three threads on two vCPUs, the hypervisor) is measured in the same run;
 * the claim's own tail is what the claimer has beyond the spinner's.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ClaimBenchmark {

    /** Four CPUs, like the sandbox's default machine. */
    static final int CPUS = 4;

    private static final BreakpointHandler QUIET = new BreakpointHandler() {
        @Override
        public void triggered(Breakpoint bp, Hit hit) {
        }
    };

    @State(Scope.Group)
    public static class Machine {
        HwBreakpointCore core;
        Debugger kgdb;
        BreakpointServiceImpl ptrace;
        final AtomicInteger registrarIndex = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() {
            core = new HwBreakpointCore(CPUS, Policy.LINUX, 1000);
            kgdb = new BreakpointServiceImpl(core, "kgdb").debugger();
            ptrace = new BreakpointServiceImpl(core, "ptrace");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            core.shutdown();
        }
    }

    /** One registrar thread's own task (a ptrace'd tracee, as ptrace registers on its tracee). */
    @State(Scope.Thread)
    public static class Registrar {
        BreakpointSpec spec;

        @Setup(Level.Trial)
        public void setUp(Machine m) {
            int task = m.core.createTask("tracee" + m.registrarIndex.incrementAndGet());
            spec = BreakpointSpec.forTask(task, 0x10000, 8, BreakpointSpec.W).withExcludeKernel(true);
        }
    }

    @Benchmark
    @Group("claim")
    @GroupThreads(1)
    public DebuggerClaim claimer(Machine m) {
        DebuggerClaim claim = m.kgdb.claimAllCpus();
        claim.release();
        return claim;
    }

    @Benchmark
    @Group("claim")
    @GroupThreads(2)
    public Breakpoint registrar(Machine m, Registrar r) {
        return register(m, r);
    }

    /**
     * The spinner's length: {@code spinNanos} > 0 spins that long; 0 (the default) measures the claim's median
     * before the trial, as the claim group runs it (a core of its own, two registrars, warmed up for 2 s) and
     * spins that long. Either way the number of {@link Blackhole#consumeCPU} tokens is calibrated on this machine
     * beside the same two registrars, and printed: the spin slows down when they run (the hypervisor may put this
     * machine's two vCPUs on one physical core's two hardware threads), and a spinner calibrated alone spun up to
     * 1.8 times the claim's median in the measured run, which flattered the claim.
     */
    @State(Scope.Benchmark)
    public static class Spin {
        @Param("0")
        public long spinNanos;

        /** Warm-up of each step of the search for the tokens (consumeCPU is compiled at once). */
        static final long SPIN_WARM_NANOS = 100_000_000L;

        long tokens;

        @Setup(Level.Trial)
        public void calibrate() {
            Machine m = new Machine();
            m.setUp();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> registrars = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Registrar r = new Registrar();
                r.setUp(m);
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        register(m, r);
                    }
                }, "calibration registrar " + i);
                t.start();
                registrars.add(t);
            }
            try {
                long target = spinNanos > 0 ? spinNanos
                        : median(() -> m.kgdb.claimAllCpus().release(), 2_000_000_000L);
                tokens = tokensFor(target);
                System.out.println("spinner: target " + target + " ns"
                        + (spinNanos > 0 ? " (spinNanos)" : " (claim median)") + " -> consumeCPU(" + tokens
                        + "), median " + median(spin(tokens), SPIN_WARM_NANOS) + " ns, beside two registrars");
            } finally {
                stop.set(true);
                for (Thread t : registrars) {
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                m.tearDown();
            }
        }

        /** The fewest tokens whose median is at least {@code nanos} (consumeCPU is linear in its tokens). */
        private static long tokensFor(long nanos) {
            long lo = 0;
            long hi = 1;
            while (median(spin(hi), SPIN_WARM_NANOS) < nanos) {
                lo = hi;
                hi *= 2;
            }
            while (hi - lo > 1) {
                long mid = (lo + hi) >>> 1;
                if (median(spin(mid), SPIN_WARM_NANOS) < nanos) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return hi;
        }

        private static Runnable spin(long tokens) {
            return () -> Blackhole.consumeCPU(tokens);
        }

        /**
         * The median of one call of {@code op} in ns (as SampleTime times it, nanoTime around each call), after
         * {@code warmNanos} of calls (the claim needs seconds to be compiled as in the measured run), over every
         * 16th call during as long again, at most a second: the claim's speed beside the registrars changes from
         * one millisecond to the next (medians of 5 000 consecutive claims a second apart: 260 to 430 ns), so a
         * median of consecutive calls hit one of those phases and missed the run's median by up to 70 %.
         */
        private static long median(Runnable op, long warmNanos) {
            for (long end = System.nanoTime() + warmNanos; System.nanoTime() < end;) {
                op.run();
            }
            long[] t = new long[250_000];
            int n = 0;
            long end = System.nanoTime() + Math.min(warmNanos, 1_000_000_000L);
            for (long i = 0; n < t.length; i++) {
                if ((i & 15) != 0) {
                    op.run();
                    continue;
                }
                long start = System.nanoTime();
                op.run();
                long stop = System.nanoTime();
                t[n++] = stop - start;
                if (stop >= end) {
                    break;
                }
            }
            Arrays.sort(t, 0, n);
            return t[n / 2];
        }
    }

    @Benchmark
    @Group("spin")
    @GroupThreads(1)
    public void spinner(Spin s) {
        Blackhole.consumeCPU(s.tokens);
    }

    @Benchmark
    @Group("spin")
    @GroupThreads(2)
    public Breakpoint spinRegistrar(Machine m, Registrar r) {
        return register(m, r);
    }

    /** The registrars' work: a task breakpoint registered and unregistered on the thread's own tracee. */
    private static Breakpoint register(Machine m, Registrar r) {
        BreakpointService bps = m.ptrace;
        Breakpoint bp = bps.register(r.spec, QUIET);
        bp.unregister();
        return bp;
    }
}
