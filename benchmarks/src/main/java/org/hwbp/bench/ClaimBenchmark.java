package org.hwbp.bench;

import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * kgdb entering and leaving the debugger (kgdb_cpu_enter on every CPU: the claim of all CPUs, then its
 * release, which restores every CPU's registers from the shadows) while two other threads keep registering
 * and unregistering task breakpoints, so the constraint locks are often held. The claim never waits for
 * them (kgdb runs with every other CPU stopped and takes no lock). Sampled: read p99.9 of {@code claim:claimer}.
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
        BreakpointService bps = m.ptrace;
        Breakpoint bp = bps.register(r.spec, QUIET);
        bp.unregister();
        return bp;
    }
}
