package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.WideBreakpoint;
import org.hwbp.api.machine.Machine;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of register / registerWide / unregister / modify (type changes included) over several
 * tasks (cpu -1 and CPU-specific) and CPU-bound breakpoints on 4 CPUs, plus task switches. After every step:
 * core.checkQuiescent() is empty (histograms = from-scratch recount, hardware = shadows), every admission decision and
 * errno agrees with a brute-force reference of __reserve_bp_slot() (§1.4–1.5, reserve before parse), the
 * worst-case occupancy per CPU agrees, and exactly the breakpoints that should be installed are installed.
 */
class AccountingPropertyTest {
    private static final int CPUS = 4;
    private static final int SLOTS = 4;
    private static final int TASKS = 3;
    private static final long BASE = CoreFixture.USER_VAR;

    /** One random step; its fields are interpreted by {@link Run#step}. */
    record Step(int op, int a, int b, int c, int d) {
    }

    @Provide
    Arbitrary<Step> step() {
        Arbitrary<Integer> i = Arbitraries.integers().between(0, 9999);
        return Combinators.combine(Arbitraries.integers().between(0, 99), i, i, i, i).as(Step::new);
    }

    @Property(tries = 300)
    void randomSequencesAgreeWithTheReference(@ForAll @Size(min = 1, max = 120) List<@net.jqwik.api.From("step") Step> steps) {
        new Run().run(steps);
    }

    /** The same checks on long fixed-seed sequences (independent of the jqwik engine). */
    @Test
    void longSeededSequences() {
        for (long seed = 1; seed <= 20; seed++) {
            Random rnd = new Random(seed);
            List<Step> steps = new ArrayList<>();
            for (int k = 0; k < 600; k++) {
                steps.add(new Step(rnd.nextInt(100), rnd.nextInt(10000), rnd.nextInt(10000), rnd.nextInt(10000),
                        rnd.nextInt(10000)));
            }
            new Run().run(steps);
        }
    }

    /** A live breakpoint as the reference sees it. */
    private static final class Ref {
        final Breakpoint bp;
        final int cpu;
        final int task;
        BreakpointSpec spec;

        Ref(Breakpoint bp, BreakpointSpec spec) {
            this.bp = bp;
            this.cpu = spec.cpu();
            this.task = spec.task();
            this.spec = spec;
        }
    }

    private static final class Run {
        final CoreFixture f = new CoreFixture(CPUS);
        final int[] tasks = new int[TASKS];
        final List<Ref> live = new ArrayList<>();
        final List<WideBreakpoint> wides = new ArrayList<>();
        final List<String> trace = new ArrayList<>();

        Run() {
            for (int i = 0; i < TASKS; i++) {
                tasks[i] = f.machine.createTask("t" + i);
            }
        }

        void run(List<Step> steps) {
            try {
                for (Step s : steps) {
                    step(s);
                    verify();
                }
                for (WideBreakpoint w : wides) {
                    w.unregister();
                }
                for (Ref r : live) {
                    r.bp.unregister();
                }
                live.clear();
                assertThat(f.bps.isUsed()).isFalse();
                f.assertConsistent();
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\ntrace:\n" + String.join("\n", trace), e);
            } finally {
                f.close();
            }
        }

        // ---------------------------------------------------------------- reference model

        /** Breakpoints of task {@code t} that apply to {@code cpu} (cpu -1 ones apply everywhere). */
        int applies(int t, int cpu) {
            int n = 0;
            for (Ref r : live) {
                if (r.task == t && (r.cpu < 0 || r.cpu == cpu)) {
                    n++;
                }
            }
            return n;
        }

        int cpuBound(int cpu) {
            int n = 0;
            for (Ref r : live) {
                if (r.task == 0 && r.cpu == cpu) {
                    n++;
                }
            }
            return n;
        }

        int busiestTask(int cpu) {
            int max = 0;
            for (int t : tasks) {
                max = Math.max(max, applies(t, cpu));
            }
            return max;
        }

        /** max_bp_pinned_slots() computed by brute force from the list of live breakpoints. */
        int worstCase(int cpu, int task) {
            if (task == 0) {
                return cpuBound(cpu) + busiestTask(cpu);
            }
            if (cpu >= 0) {
                return cpuBound(cpu) + applies(task, cpu);
            }
            int max = 0;
            for (int c = 0; c < CPUS; c++) {
                max = Math.max(max, cpuBound(c) + applies(task, c));
            }
            return max;
        }

        /** __reserve_bp_slot() then hw_breakpoint_arch_parse(): the expected errno, or null. */
        Errno expectedRegister(BreakpointSpec s) {
            if (s.type() == BreakpointSpec.EMPTY || s.type() == BreakpointSpec.INVALID) {
                return Errno.EINVAL;
            }
            if (worstCase(s.cpu(), s.task()) + 1 > SLOTS) {
                return Errno.ENOSPC;
            }
            return parseError(s);
        }

        static Errno parseError(BreakpointSpec s) {
            long a = s.address();
            int len = s.length();
            switch (s.type()) {
                case BreakpointSpec.X:
                    return len == 8 ? null : Errno.EINVAL;
                case BreakpointSpec.W:
                case BreakpointSpec.RW:
                    if (len == 1 || len == 2 || len == 4 || len == 8) {
                        return a % len == 0 ? null : Errno.EINVAL;
                    }
                    if (Integer.bitCount(len) != 1 || a % len != 0) {
                        return Errno.EINVAL;
                    }
                    return Errno.EOPNOTSUPP;
                default:
                    return Errno.EINVAL;
            }
        }

        // ---------------------------------------------------------------- steps

        BreakpointSpec attrs(int cpu, int task, int x, int y) {
            int t = x % 20;
            int type = t < 7 ? BreakpointSpec.W : t < 13 ? BreakpointSpec.RW : t < 18 ? BreakpointSpec.X
                    : t == 18 ? BreakpointSpec.R : BreakpointSpec.INVALID;
            int l = (x / 20) % 12;
            int len;
            if (type == BreakpointSpec.X) {
                len = l < 11 ? 8 : 4;
            } else {
                len = l < 10 ? new int[] {1, 2, 4, 8}[l % 4] : l == 10 ? 3 : 16;
            }
            int off = y % 8 < 6 ? 0 : new int[] {1, 2}[y % 2];
            long addr = BASE + 16L * (y % 64) + off;
            boolean disabled = (y / 64) % 5 == 0;
            return new BreakpointSpec(addr, len, type, cpu, task, disabled, (y / 320) % 2 == 0);
        }

        void step(Step s) {
            int op = s.op();
            if (op < 25) {
                register(attrs(s.a() % CPUS, BreakpointSpec.NO_TASK, s.b(), s.c()));
            } else if (op < 50) {
                int task = tasks[s.a() % TASKS];
                int cpu = (s.a() / TASKS) % 3 == 0 ? (s.d() % CPUS) : BreakpointSpec.ANY_CPU;
                register(attrs(cpu, task, s.b(), s.c()));
            } else if (op < 53) {
                registerWide(attrs(0, BreakpointSpec.NO_TASK, s.b(), s.c()));
            } else if (op < 70) {
                if (!live.isEmpty()) {
                    Ref r = live.get(s.a() % live.size());
                    trace.add("unregister " + r.spec);
                    r.bp.unregister();
                    live.remove(r);
                    wides.removeIf(w -> w.perCpu().contains(r.bp));
                }
            } else if (op < 85) {
                if (!live.isEmpty()) {
                    modify(live.get(s.a() % live.size()), attrs(0, 0, s.b(), s.c()));
                }
            } else {
                int cpu = s.a() % CPUS;
                int pick = s.b() % (TASKS + 1);
                int task = pick == TASKS ? Machine.IDLE : tasks[pick];
                trace.add("switchTo cpu " + cpu + " task " + task);
                f.machine.switchTo(cpu, task);
            }
        }

        void register(BreakpointSpec spec) {
            Errno expected = expectedRegister(spec);
            trace.add("register " + spec + " expect " + expected);
            try {
                Breakpoint bp = f.bps.register(spec, new CoreFixture.Recorder());
                if (expected != null) {
                    fail("admitted " + spec + ", reference expects " + expected);
                }
                live.add(new Ref(bp, spec));
            } catch (HwbpException e) {
                assertThat(e.errno()).as("errno of register " + spec + ": " + e.getMessage()).isEqualTo(expected);
            }
        }

        void registerWide(BreakpointSpec spec) {
            Errno expected = null;
            if (spec.type() == BreakpointSpec.EMPTY || spec.type() == BreakpointSpec.INVALID) {
                expected = Errno.EINVAL;
            } else {
                // one perf_event_create_kernel_counter() per CPU in order, each reserve-then-parse: the first
                // CPU that fails decides (a parse error shows on the first CPU with a free slot)
                for (int c = 0; c < CPUS && expected == null; c++) {
                    expected = worstCase(c, 0) + 1 > SLOTS ? Errno.ENOSPC : parseError(spec);
                }
            }
            trace.add("registerWide " + spec + " expect " + expected);
            try {
                WideBreakpoint w = f.bps.registerWide(spec, new CoreFixture.Recorder());
                if (expected != null) {
                    fail("admitted wide " + spec + ", reference expects " + expected);
                }
                for (Breakpoint p : w.perCpu()) {
                    live.add(new Ref(p, p.spec()));
                }
                wides.add(w);
            } catch (HwbpException e) {
                assertThat(e.errno()).as("errno of registerWide " + spec + ": " + e.getMessage()).isEqualTo(expected);
            }
        }

        void modify(Ref r, BreakpointSpec attrs) {
            BreakpointSpec next = new BreakpointSpec(attrs.address(), attrs.length(), attrs.type(), r.cpu, r.task,
                    attrs.disabled(), r.spec.excludeKernel());
            // parse first; a type change re-reserves in the same (shared) pool, so it always fits on x86
            Errno expected = parseError(next);
            trace.add("modify " + r.spec + " -> " + next + " expect " + expected);
            try {
                r.bp.modify(attrs);
                if (expected != null) {
                    fail("modify accepted " + next + ", reference expects " + expected);
                }
                r.spec = next;
            } catch (HwbpException e) {
                assertThat(e.errno()).as("errno of modify to " + next + ": " + e.getMessage()).isEqualTo(expected);
            }
            assertThat(r.bp.spec()).isEqualTo(r.spec);
        }

        // ---------------------------------------------------------------- after every step

        void verify() {
            assertThat(f.core.checkQuiescent()).as("core.check()").isEmpty();
            assertThat(f.bps.isUsed()).isEqualTo(!live.isEmpty());
            for (int c = 0; c < CPUS; c++) {
                assertThat(f.core.slotsInUse(c)).as("worst-case occupancy of CPU %d", c).isEqualTo(worstCase(c, 0));
                assertThat(f.core.slotsInUse(c)).isLessThanOrEqualTo(SLOTS);
                int running = f.machine.running(c);
                Set<Breakpoint> expected = new HashSet<>();
                for (Ref r : live) {
                    boolean target = r.task == 0 ? r.cpu == c : r.task == running && (r.cpu < 0 || r.cpu == c);
                    if (target && !r.spec.disabled()) {
                        expected.add(r.bp);
                    }
                }
                Set<Integer> slots = new HashSet<>();
                for (Ref r : live) {
                    int slot = r.bp.installedSlot(c);
                    if (expected.contains(r.bp)) {
                        assertThat(slot).as("%s installed on CPU %d", r.spec, c).isBetween(0, 3);
                        assertThat(slots.add(slot)).isTrue();
                    } else {
                        assertThat(slot).as("%s not installed on CPU %d", r.spec, c).isEqualTo(-1);
                    }
                }
                assertThat(f.core.shadow(c).installedCount()).isEqualTo(expected.size());
            }
        }
    }
}
