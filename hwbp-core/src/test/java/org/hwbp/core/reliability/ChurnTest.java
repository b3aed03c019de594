package org.hwbp.core.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Errno;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Hit;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.WideBreakpoint;
import org.hwbp.api.machine.GuestSession;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.machine.TaskListener;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.hwbp.core.x86.KernelAddressMap;
import org.junit.jupiter.api.Test;

/**
 * Issue 8's concurrency run on the plain-Java core: 8 threads of random operations (register, wide register,
 * modify, unregister on random tasks and CPUs, task switches, accesses, debugger claims, guest entries, task
 * creation and exit) while another thread "stops and starts client bundles": it closes an owner's service and
 * machine view (what the bundle-scoped service factories do when a bundle stops) and opens new ones under the
 * same name, re-registering its whiteboard listeners. Threads still holding the stopped instance get EBUSY.
 *
 * <p>{@code core.check()} runs at checkpoints during the run and must stay empty (product §8, invariants 1–3);
 * at the end, once every owner is closed, the quiescent check, {@code hw_breakpoint_is_used()}, the holders,
 * DR7 against cpu_dr7, leftover slots and callback threads are checked, and for each kind of operation a minimum
 * share of its attempts must have succeeded (the shares are printed). The operation count is the system
 * property {@code hwbp.churn.ops} (10 000 in the default build, 800 000 = 8 × 100 000 with {@code -Plong}).
 */
class ChurnTest {
    private static final int CPUS = 4;
    private static final int THREADS = 8;
    private static final int MAX_TASKS = 12;
    private static final String[] BUNDLES = {
        "org.hwbp.ptrace-client", "org.hwbp.kgdb-client", "org.hwbp.kvm-client", "org.hwbp.hwbp-core"
    };
    /**
     * The least share of attempts of each kind that must succeed: refusals with an errno are expected (EBUSY from
     * a stopped client's instance or a held CPU, ENOSPC, EINVAL from the invalid specs, ESRCH), but a run where
     * most of a kind is refused exercises little. Measured over the seeds 0x1-0x4 and 0x5eed with the default
     * 10 000 operations (lowest share seen in brackets), the floors leave a wide margin below it.
     */
    private static final Map<String, Double> SUCCESS_FLOORS = Map.ofEntries(
            Map.entry("registrations", 0.30), // [0.404]
            Map.entry("wide registrations", 0.02), // [0.056]
            Map.entry("modifications", 0.75), // [0.882]
            Map.entry("unregistrations", 0.95), // [1.000]
            Map.entry("switches", 0.85), // [0.956]
            Map.entry("accesses", 0.45), // [0.585]
            Map.entry("debugger claims", 0.03), // [0.070]
            Map.entry("guest entries", 0.02), // [0.047]
            Map.entry("task creations", 0.95), // [1.000]
            Map.entry("task exits", 0.95)); // [1.000]
    private static final long USER_BASE = 0x60_1000L;
    private static final long KERNEL_BASE = KernelAddressMap.KERNEL_DATA + 0x40_0000L;

    /** One started instance of a client bundle: its service objects, handles and whiteboard services. */
    private static final class Client {
        final String name;
        final BreakpointServiceImpl bps;
        final MachineImpl machine;
        final List<Breakpoint> handles = new ArrayList<>();
        final List<WideBreakpoint> wides = new ArrayList<>();
        final HardwareListener listener;
        final TaskListener taskListener;

        Client(HwBreakpointCore core, String name, LongAdder heard) {
            this.name = name;
            this.bps = new BreakpointServiceImpl(core, name);
            this.machine = new MachineImpl(core, name);
            this.listener = new HardwareListener() {
                @Override
                public void claimed(Set<Integer> cpus, Holder holder) {
                    heard.increment();
                }

                @Override
                public void released(Set<Integer> cpus, Holder holder) {
                    heard.increment();
                }
            };
            this.taskListener = task -> heard.increment();
        }

        synchronized void add(Breakpoint bp) {
            handles.add(bp);
        }

        synchronized Breakpoint pick(SplittableRandom r, boolean remove) {
            if (handles.isEmpty()) {
                return null;
            }
            int i = r.nextInt(handles.size());
            return remove ? handles.remove(i) : handles.get(i);
        }

        synchronized WideBreakpoint pickWide(SplittableRandom r) {
            return wides.isEmpty() ? null : wides.remove(r.nextInt(wides.size()));
        }
    }

    private final HwBreakpointCore core = new HwBreakpointCore(CPUS, Policy.LINUX, 50);
    private final AtomicReferenceArray<Client> clients = new AtomicReferenceArray<>(BUNDLES.length);
    private final Set<Integer> liveTasks = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<Errno, LongAdder> refusals = new ConcurrentHashMap<>();
    private final Map<String, Tally> tallies = new ConcurrentHashMap<>();
    private final LongAdder heard = new LongAdder();
    private final LongAdder triggered = new LongAdder();
    private final AtomicLong slowestClaimNanos = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);

    private final BreakpointHandler handler = new BreakpointHandler() {
        @Override
        public void triggered(Breakpoint bp, Hit hit) {
            triggered.increment();
        }

        @Override
        public boolean wantsGuestClaims() {
            return true;
        }
    };

    @Test
    void invariantsHoldWhileClientsComeAndGo() throws Exception {
        Set<Thread> lanesBefore = callbackThreads();
        long total = Long.getLong("hwbp.churn.ops", 10_000);
        long perThread = total / THREADS;
        long seeds = Long.getLong("hwbp.churn.seed", 0x5eed);
        for (int i = 0; i < BUNDLES.length; i++) {
            clients.set(i, start(BUNDLES[i]));
        }
        for (int i = 0; i < 4; i++) {
            liveTasks.add(core.createTask("t" + i));
        }
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long seed = seeds + t;
            workers.add(new Thread(() -> work(new SplittableRandom(seed), perThread), "churn-worker-" + t));
        }
        Thread swapper = new Thread(this::swapClients, "churn-swapper");
        long t0 = System.nanoTime();
        workers.forEach(Thread::start);
        swapper.start();
        for (Thread w : workers) {
            w.join(600_000);
            assertThat(w.isAlive()).as(w.getName() + " finished (no deadlock)").isFalse();
        }
        running.set(false);
        swapper.join(60_000);
        assertThat(swapper.isAlive()).isFalse();
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

        // Every bundle stops: its services are released and its whiteboard services unregistered.
        for (int i = 0; i < BUNDLES.length; i++) {
            stop(clients.getAndSet(i, null));
        }
        List<String> end = core.checkQuiescent();
        int leakedSlots = 0;
        for (int cpu = 0; cpu < CPUS; cpu++) {
            leakedSlots += core.slotsInUse(cpu) + core.shadow(cpu).installedCount();
            Holder h = core.holder(cpu);
            if (!h.isHost()) {
                end.add("CPU " + cpu + " held by " + h + " after every client stopped");
            }
            long enable = 0xFF;
            if ((core.hardware(cpu)[7] & enable) != (core.shadow(cpu).dr7() & enable)) {
                end.add(String.format("CPU %d DR7 0x%x, cpu_dr7 0x%x", cpu, core.hardware(cpu)[7],
                        core.shadow(cpu).dr7()));
            }
        }
        long callbackThreads = callbackThreadsAlive(lanesBefore);
        report(seeds, total, elapsedMs, leakedSlots, callbackThreads);

        assertThat(SUCCESS_FLOORS.keySet()).as("a floor for every kind of operation").containsAll(tallies.keySet());
        SUCCESS_FLOORS.forEach((kind, floor) -> {
            Tally t = tallies.get(kind);
            assertThat(t).as(kind + " attempted").isNotNull();
            assertThat(t.share()).as("share of %s that succeeded (%d of %d)", kind, t.succeeded.sum(), t.attempts())
                    .isGreaterThanOrEqualTo(floor);
        });
        assertThat(violations).as("violations during the run").isEmpty();
        assertThat(end).as("invariants once every client stopped").isEmpty();
        assertThat(core.isUsed()).as("hw_breakpoint_is_used() once every client stopped").isFalse();
        assertThat(core.breakpoints()).isEmpty();
        assertThat(leakedSlots).as("leaked slots").isZero();
        assertThat(core.debuggerActive()).isFalse();
        assertThat(callbackThreads).as("callback threads of stopped bundles").isZero();
        assertThat(count("checkpoints")).isPositive();
        assertThat(count("swaps")).isPositive();
        assertThat(slowestClaimNanos.get()).as("slowest debugger claim (ns)").isLessThan(5_000_000_000L);
        core.shutdown();
    }

    private Client start(String name) {
        Client c = new Client(core, name, heard);
        core.addListener(name, c.listener, true);
        core.addTaskListener(name, c.taskListener);
        return c;
    }

    private void stop(Client c) {
        core.removeListener(c.listener);
        core.removeTaskListener(c.taskListener);
        c.bps.close();
        c.machine.close();
    }

    /** The bundle churn: stop one client and start it again, and run core.check() in between. */
    private void swapClients() {
        SplittableRandom r = new SplittableRandom(42);
        while (running.get()) {
            int i = r.nextInt(BUNDLES.length);
            Client old = clients.get(i);
            stop(old);
            sleepMicros(r.nextInt(200));
            clients.set(i, start(BUNDLES[i]));
            bump("swaps");
            List<String> problems = core.check();
            bump("checkpoints");
            if (!problems.isEmpty()) {
                violations.add("checkpoint after swap " + count("swaps") + ": " + problems);
            }
            sleepMicros(500 + r.nextInt(1500));
        }
    }

    private static void sleepMicros(long micros) {
        try {
            Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void work(SplittableRandom r, long ops) {
        for (long k = 0; k < ops; k++) {
            Client c = clients.get(r.nextInt(BUNDLES.length));
            int op = r.nextInt(100);
            // the kind of operation once it is attempted (null: nothing to do, e.g. no breakpoint to modify)
            String kind = null;
            try {
                if (op < 25) {
                    kind = "registrations";
                    register(c, r);
                } else if (op < 28) {
                    kind = "wide registrations";
                    WideBreakpoint w = c.bps.registerWide(BreakpointSpec.onCpu(0, userAddr(r), 8, BreakpointSpec.W),
                            handler);
                    synchronized (c) {
                        c.wides.add(w);
                    }
                } else if (op < 38) {
                    Breakpoint bp = c.pick(r, false);
                    if (bp != null) {
                        kind = "modifications";
                        bp.modify(bp.spec().withAddress(userAddr(r)).withType(dataType(r))
                                .withLength(1 << r.nextInt(4)).withDisabled(r.nextInt(4) == 0));
                    }
                } else if (op < 50) {
                    Breakpoint bp = c.pick(r, true);
                    WideBreakpoint w = bp == null ? c.pickWide(r) : null;
                    if (bp != null) {
                        kind = "unregistrations";
                        bp.unregister();
                    } else if (w != null) {
                        kind = "unregistrations";
                        w.unregister();
                    }
                } else if (op < 62) {
                    kind = "switches";
                    c.machine.switchTo(r.nextInt(CPUS), r.nextInt(5) == 0 ? Machine.IDLE : anyTask(r));
                } else if (op < 80) {
                    kind = "accesses";
                    int cpu = r.nextInt(CPUS);
                    boolean kernel = r.nextInt(3) == 0;
                    long addr = kernel && r.nextBoolean() ? KERNEL_BASE + 8L * r.nextInt(8) : userAddr(r);
                    if (c.machine.access(cpu, addr, 1 << r.nextInt(4), AccessKind.values()[r.nextInt(3)], kernel)
                            .trapped()) {
                        bump("traps");
                    }
                } else if (op < 85) {
                    kind = "debugger claims";
                    claim(c);
                } else if (op < 93) {
                    kind = "guest entries";
                    guest(c, r);
                } else if (op < 96) {
                    if (liveTasks.size() < MAX_TASKS) {
                        kind = "task creations";
                        liveTasks.add(c.machine.createTask("w"));
                    }
                } else {
                    int t = anyTask(r);
                    if (liveTasks.size() > 2 && liveTasks.remove(t)) {
                        kind = "task exits";
                        c.machine.exitTask(t);
                    }
                }
                bump("operations");
                if (kind != null) {
                    tally(kind).succeeded.increment();
                }
            } catch (HwbpException e) {
                bump("operations");
                if (kind != null) {
                    tally(kind).refused(e.errno());
                }
                refusals.computeIfAbsent(e.errno(), x -> new LongAdder()).increment();
                if (!e.getMessage().startsWith(e.errno().name() + ": ")) {
                    violations.add("message without its errno: " + e.getMessage());
                }
            } catch (RuntimeException | Error e) {
                violations.add("not an errno: " + e);
            }
        }
    }

    /** A random registration: every target kind, lengths, types (some invalid), kernel and user ranges. */
    private void register(Client c, SplittableRandom r) {
        int task = BreakpointSpec.NO_TASK;
        int cpu;
        switch (r.nextInt(3)) {
            case 0:
                cpu = r.nextInt(CPUS);
                break;
            case 1:
                task = anyTask(r);
                cpu = BreakpointSpec.ANY_CPU;
                break;
            default:
                task = anyTask(r);
                cpu = r.nextInt(CPUS);
        }
        int type = r.nextInt(10) == 0 ? BreakpointSpec.R : r.nextInt(5) == 0 ? BreakpointSpec.X : dataType(r);
        int len = type == BreakpointSpec.X ? 8 : 1 << r.nextInt(4);
        boolean kernel = r.nextInt(6) == 0;
        long addr = kernel ? KERNEL_BASE + 8L * r.nextInt(8) : userAddr(r) + (r.nextInt(20) == 0 ? 1 : 0);
        BreakpointSpec spec = new BreakpointSpec(addr, len, type, cpu, task, r.nextInt(5) == 0, r.nextBoolean());
        c.add(c.bps.register(spec, handler));
    }

    private void claim(Client c) {
        long t0 = System.nanoTime();
        DebuggerClaim claim = c.bps.debugger().claimAllCpus();
        slowestClaimNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
        for (int cpu = 0; cpu < CPUS; cpu++) {
            Holder h = core.holder(cpu);
            if (claim.isActive() && h.kind() == Holder.Kind.GUEST) {
                violations.add("CPU " + cpu + " held by " + h + " during a debugger claim");
            }
        }
        Thread.yield();
        claim.release();
    }

    private void guest(Client c, SplittableRandom r) {
        int cpu = r.nextInt(CPUS);
        try (GuestSession g = c.machine.enterGuest(cpu, 1 + r.nextInt(3), r.nextInt(2))) {
            g.vmEntry(0x401 | (long) r.nextInt(4) << 16);
            g.registers().write(0, userAddr(r));
            g.guestAccess(userAddr(r), 4, AccessKind.W);
            g.vmExit();
            // KVM's exit path (vcpu_enter_guest): the host's breakpoints come back before IRQs are enabled.
            if (g.registers().hwBreakpointActive()) {
                g.registers().hwBreakpointRestore();
            }
        }
    }

    private static long userAddr(SplittableRandom r) {
        return USER_BASE + 8L * r.nextInt(16);
    }

    private static int dataType(SplittableRandom r) {
        return r.nextBoolean() ? BreakpointSpec.W : BreakpointSpec.RW;
    }

    /** A live task most of the time; sometimes one that exited (ESRCH) or never existed. */
    private int anyTask(SplittableRandom r) {
        if (r.nextInt(20) == 0) {
            return 1000 + r.nextInt(10);
        }
        Integer[] live = liveTasks.toArray(new Integer[0]);
        return live.length == 0 ? 1 : live[r.nextInt(live.length)];
    }

    /** Attempts of one kind of operation: those that succeeded and those refused with an errno. */
    private static final class Tally {
        final LongAdder succeeded = new LongAdder();
        final LongAdder refused = new LongAdder();
        final Map<Errno, LongAdder> why = new ConcurrentHashMap<>();

        void refused(Errno errno) {
            refused.increment();
            why.computeIfAbsent(errno, x -> new LongAdder()).increment();
        }

        String figures() {
            Map<String, Long> sorted = new TreeMap<>();
            why.forEach((k, v) -> sorted.put(k.name(), v.sum()));
            return String.format("%d/%d=%.3f", succeeded.sum(), attempts(), share()) + sorted;
        }

        long attempts() {
            return succeeded.sum() + refused.sum();
        }

        double share() {
            long a = attempts();
            return a == 0 ? 0 : (double) succeeded.sum() / a;
        }
    }

    private Tally tally(String kind) {
        return tallies.computeIfAbsent(kind, x -> new Tally());
    }

    private void bump(String what) {
        counts.computeIfAbsent(what, x -> new LongAdder()).increment();
    }

    private long count(String what) {
        LongAdder a = counts.get(what);
        return a == null ? 0 : a.sum();
    }

    private static Set<Thread> callbackThreads() {
        Set<Thread> s = ConcurrentHashMap.newKeySet();
        Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("hwbp-callbacks") && t.isAlive()).forEach(s::add);
        return s;
    }

    /** This core's callback lanes still alive after every bundle stopped (they should all have ended). */
    private static long callbackThreadsAlive(Set<Thread> before) throws InterruptedException {
        long alive = 0;
        for (int i = 0; i < 50; i++) {
            alive = callbackThreads().stream().filter(t -> !before.contains(t)).count();
            if (alive == 0) {
                break;
            }
            Thread.sleep(20);
        }
        return alive;
    }

    private void report(long seed, long total, long elapsedMs, int leakedSlots, long callbackThreads) {
        Map<String, Long> c = new TreeMap<>();
        counts.forEach((k, v) -> c.put(k, v.sum()));
        Map<String, Long> e = new TreeMap<>();
        refusals.forEach((k, v) -> e.put(k.name(), v.sum()));
        System.out.printf("[churn] %d operations requested, %d threads, %d ms%n", total, THREADS, elapsedMs);
        System.out.println("[churn] counts " + c);
        System.out.println("[churn] refusals by errno " + e);
        Map<String, String> shares = new TreeMap<>();
        tallies.forEach((k, v) -> shares.put(k, v.figures()));
        System.out.println("[churn] seed 0x" + Long.toHexString(seed) + ", successes/attempts by kind " + shares);
        System.out.printf("[churn] triggers %d, listener calls %d, slowest claim %.2f ms%n", triggered.sum(),
                heard.sum(), slowestClaimNanos.get() / 1e6);
        System.out.printf("[churn] violations %d, leaked slots %d, callback threads left %d, core faults logged %d%n",
                violations.size(), leakedSlots, callbackThreads,
                core.events().last(1000).stream().filter(s -> s.contains(" fault ")).count());
    }
}
