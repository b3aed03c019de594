package org.hwbp.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Hit;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.hwbp.kvm.model.EntryPolicy;
import org.hwbp.kvm.model.GuestAccess;
import org.hwbp.kvm.model.Kvm;
import org.hwbp.kvm.model.RunResult;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * One simulated VM entry + exit (vcpu_enter_guest() around a guest that halts at once) through kvm-client's
 * model, on host CPU 0 of a 4-CPU machine. {@code case_} (the issue's {@code case}): {@code idle} (nobody uses breakpoints), {@code host}
 * (a host CPU breakpoint is installed on CPU 0, so hw_breakpoint_active()), {@code guest} (the guest's DR7
 * enables a breakpoint; after the first exit MOV-DR is intercepted again, the steady state of
 * linux-reference §6.6 case c1). {@code policy}: {@code today} (6.12) or {@code 2009} (2.6.29's sequence).
 * The host's MOV from/to DRn per entry+exit are auxiliary counters: {@code drReads}/{@code entries} and
 * {@code drWrites}/{@code entries} (benchmarks/ratios.py prints them).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VmEntryExitBenchmark {

    static final int CPU = 0;

    @State(Scope.Benchmark)
    public static class Hypervisor {
        /** The issue's {@code case}, a Java keyword and so not a possible field name: {@code -p case_=...}. */
        @Param({"idle", "host", "guest"})
        public String case_;

        @Param({"today", "2009"})
        public String policy;

        HwBreakpointCore core;
        MachineImpl machine;
        Kvm kvm;
        int vm;
        final List<GuestAccess> halt = List.of();

        @Setup(Level.Trial)
        public void setUp() {
            core = new HwBreakpointCore(4, Policy.LINUX, 1000);
            machine = new MachineImpl(core, "org.hwbp.kvm-client");
            kvm = new Kvm(EntryPolicy.parse("policy", policy));
            vm = kvm.create(1);
            switch (case_) {
                case "idle":
                    break;
                case "host":
                    // A CPU-bound 8-byte write watchpoint on CPU 0: installed at once, DR7 has an enable bit.
                    new BreakpointServiceImpl(core, "org.hwbp.host").register(
                            BreakpointSpec.onCpu(CPU, 0x10000, 8, BreakpointSpec.W), new BreakpointHandler() {
                                @Override
                                public void triggered(Breakpoint bp, Hit hit) {
                                }
                            });
                    break;
                case "guest":
                    // The guest kernel sets DR0 and enables it in DR7 (L0, write, 8 bytes) with MOV to DRn.
                    kvm.movToDr(vm, 0, 0, 0x2000);
                    kvm.movToDr(vm, 0, 7, 0x400L | 0x1L | (0x1L << 16) | (0x2L << 18));
                    break;
                default:
                    throw new IllegalArgumentException("case must be idle, host or guest: " + case_);
            }
            // The first entry+exit may close a WONT_EXIT window the setup opened; measure the steady state.
            kvm.run(machine, vm, 0, CPU, halt);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            kvm.shutdown();
            core.shutdown();
        }
    }

    /** Host debug-register accesses, summed per iteration; divide by {@link #entries} for per entry+exit. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class DrAccesses {
        public long entries;
        public long drReads;
        public long drWrites;

        @Setup(Level.Iteration)
        public void clear() {
            entries = 0;
            drReads = 0;
            drWrites = 0;
        }
    }

    @Benchmark
    public RunResult vmEntryExit(Hypervisor h, DrAccesses c) {
        RunResult r = h.kvm.run(h.machine, h.vm, 0, CPU, h.halt);
        c.entries++;
        c.drReads += r.reads();
        c.drWrites += r.writes();
        return r;
    }
}
