package org.hwbp.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Debugger;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Times every claim and every release of the debugger, one after the other on one thread, each followed by a
 * spin of {@code tokens} ({@link Blackhole#consumeCPU}, about the claim's length) timed the same way: the
 * spin takes the same interruptions from the machine (OS, hypervisor, GC) as the claim, so what the claim has
 * beyond it is its own. Unlike JMH's sampling it keeps the order of the claims, which shows a periodic cost:
 * the distances between slow claims (1.5 to 50 us) are counted, the most frequent printed.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar org.hwbp.bench.ClaimTimeline [claims] [tokens] [registrar]}
 * (defaults 2 000 000, 150 and {@code none}); warms up for 3 s first. {@code registrar} adds one thread
 * registering and unregistering a task breakpoint all along, as ClaimBenchmark's registrars do: on the claim's own
 * core ({@code same}) or on a core of its own ({@code other}), which does the same work and touches none of the
 * claim's core's objects. Found the claim's 24-byte handle touching a fresh heap page every 170-171 claims (4096 / 24),
 * 2-4 us each; and that a registrar raises the claim's p99 only when it works on the claim's core.
 */
public final class ClaimTimeline {
    private static final long SLOW_NANOS = 1_500;
    private static final long STALL_NANOS = 50_000;

    private ClaimTimeline() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        long tokens = args.length > 1 ? Long.parseLong(args[1]) : 150;
        String registrar = args.length > 2 ? args[2] : "none";
        HwBreakpointCore core = new HwBreakpointCore(4, Policy.LINUX, 1000);
        Debugger kgdb = new BreakpointServiceImpl(core, "kgdb").debugger();
        HwBreakpointCore registrarCore = switch (registrar) {
            case "none" -> null;
            case "same" -> core;
            case "other" -> new HwBreakpointCore(4, Policy.LINUX, 1000);
            default -> throw new IllegalArgumentException("registrar must be none, same or other: " + registrar);
        };
        AtomicBoolean stop = new AtomicBoolean();
        Thread registering = registrarCore == null ? null : registering(registrarCore, stop);
        for (long end = System.nanoTime() + 3_000_000_000L; System.nanoTime() < end;) {
            kgdb.claimAllCpus().release();
            Blackhole.consumeCPU(tokens);
        }
        long[] claim = new long[n];
        long[] release = new long[n];
        long[] spin = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            DebuggerClaim c = kgdb.claimAllCpus();
            long t1 = System.nanoTime();
            c.release();
            long t2 = System.nanoTime();
            Blackhole.consumeCPU(tokens);
            long t3 = System.nanoTime();
            claim[i] = t1 - t0;
            release[i] = t2 - t1;
            spin[i] = t3 - t2;
        }
        stop.set(true);
        if (registering != null) {
            try {
                registering.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (registrarCore != core) {
                registrarCore.shutdown();
            }
        }
        core.shutdown();
        System.out.println("claim   " + percentiles(claim) + (registering == null ? "" : " (registrar: " + registrar + ")"));
        System.out.println("release " + percentiles(release));
        System.out.println("spin    " + percentiles(spin));
        Map<Integer, Integer> gaps = new TreeMap<>();
        int slow = 0;
        int previous = -1;
        for (int i = 0; i < n; i++) {
            if (claim[i] > SLOW_NANOS && claim[i] < STALL_NANOS) {
                slow++;
                if (previous >= 0) {
                    gaps.merge(i - previous, 1, Integer::sum);
                }
                previous = i;
            }
        }
        StringBuilder top = new StringBuilder();
        gaps.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(8)
                .forEach(e -> top.append(' ').append(e.getKey()).append('x').append(e.getValue()));
        System.out.println("claims of 1.5-50 us: " + slow + " of " + n + "; most frequent distances (claims x times):"
                + top);
    }

    /** A thread registering and unregistering a breakpoint on a task of its own on {@code core}, until stopped. */
    private static Thread registering(HwBreakpointCore core, AtomicBoolean stop) {
        BreakpointService ptrace = new BreakpointServiceImpl(core, "ptrace");
        BreakpointSpec spec = BreakpointSpec.forTask(core.createTask("tracee"), 0x10000, 8, BreakpointSpec.W)
                .withExcludeKernel(true);
        BreakpointHandler quiet = (bp, hit) -> { };
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                ptrace.register(spec, quiet).unregister();
            }
        }, "registrar");
        t.start();
        return t;
    }

    private static String percentiles(long[] t) {
        long[] s = t.clone();
        Arrays.sort(s);
        return String.format("p50 %d  p99 %d  p99.9 %d  p99.99 %d ns", s[s.length / 2], s[(int) (s.length * 0.99)],
                s[(int) (s.length * 0.999)], s[(int) (s.length * 0.9999)]);
    }
}
