package org.hwbp.core.reliability;

import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.HwbpException;
import org.hwbp.core.accounting.SlotAccounting;
import org.hwbp.core.accounting.SlotUser;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of the slot accounting (issue 8): reserve / release / modify / hw_breakpoint_is_used on 2 CPUs
 * and 2 tasks, checked by Lincheck against the same class run sequentially (its default specification).
 *
 * <p>Only two slots per CPU, so that a few operations already collide (ENOSPC) and a reservation that leaked, was
 * counted twice or was visible half-done would change a later outcome. Each operation works on one of
 * {@link #USERS} fixed breakpoints covering every kind of target (CPU-bound, task on every CPU, task on one CPU);
 * a breakpoint's own flag is kept under its monitor, together with the accounting call, so the harness adds no
 * non-atomicity of its own: operations on different breakpoints meet only inside the accounting.
 */
@Param(name = "bp", gen = IntGen.class, conf = "0:7")
public class AccountingLinearizabilityTest {
    private static final int TASK_1 = 1;
    private static final int TASK_2 = 2;

    /** The breakpoints: (cpu, task) targets as perf events have them; all data breakpoints (x86: one pool). */
    private static final int[][] USERS = {
        {0, BreakpointSpec.NO_TASK},
        {1, BreakpointSpec.NO_TASK},
        {0, BreakpointSpec.NO_TASK},
        {BreakpointSpec.ANY_CPU, TASK_1},
        {0, TASK_1},
        {BreakpointSpec.ANY_CPU, TASK_2},
        {1, TASK_2},
        {BreakpointSpec.ANY_CPU, TASK_2},
    };

    private final SlotAccounting accounting = new SlotAccounting(2, 2, true);
    private final Bp[] bps = new Bp[USERS.length];

    public AccountingLinearizabilityTest() {
        for (int i = 0; i < USERS.length; i++) {
            bps[i] = new Bp(USERS[i][0], USERS[i][1]);
        }
    }

    /** A breakpoint as the accounting sees it, plus whether it holds a slot now. */
    static final class Bp implements SlotUser {
        private final int cpu;
        private final int task;
        private volatile int slotType = BreakpointSpec.W;
        private boolean reserved;

        Bp(int cpu, int task) {
            this.cpu = cpu;
            this.task = task;
        }

        @Override
        public int cpu() {
            return cpu;
        }

        @Override
        public int task() {
            return task;
        }

        @Override
        public int slotType() {
            return slotType;
        }
    }

    /** reserve_bp_slot(): "ok", or the errno of the refusal. */
    @Operation
    public String register(@Param(name = "bp") int i) {
        Bp bp = bps[i];
        synchronized (bp) {
            if (bp.reserved) {
                return "registered already";
            }
            try {
                accounting.reserve(bp);
            } catch (HwbpException e) {
                return e.errno().name();
            }
            bp.reserved = true;
            return "ok";
        }
    }

    /** release_bp_slot(). */
    @Operation
    public String unregister(@Param(name = "bp") int i) {
        Bp bp = bps[i];
        synchronized (bp) {
            if (!bp.reserved) {
                return "not registered";
            }
            accounting.release(bp);
            bp.reserved = false;
            return "ok";
        }
    }

    /**
     * modify_bp_slot() from W to RW and back: release and reserve again in one critical section, so nobody may
     * take the slot in between (on x86 both types share the pool: it can never fail).
     */
    @Operation
    public String modify(@Param(name = "bp") int i) {
        Bp bp = bps[i];
        synchronized (bp) {
            if (!bp.reserved) {
                return "not registered";
            }
            int old = bp.slotType;
            int next = old == BreakpointSpec.W ? BreakpointSpec.RW : BreakpointSpec.W;
            bp.slotType = next;
            try {
                accounting.modify(bp, old, next);
            } catch (HwbpException e) {
                bp.slotType = old;
                return e.errno().name();
            }
            return "ok";
        }
    }

    /** hw_breakpoint_is_used(). */
    @Operation
    public boolean isUsed() {
        return accounting.isUsed();
    }

    /** The long run (-Plong) explores more scenarios and interleavings. */
    private static final boolean LONG = Long.getLong("hwbp.churn.ops", 10_000) > 10_000;

    /** Interleavings chosen by Lincheck's model checker, 2 threads x 3 operations after 2 to set up. */
    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .iterations(LONG ? 50 : 8)
                .invocationsPerIteration(LONG ? 2_000 : 300)
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .check(AccountingLinearizabilityTest.class);
    }

    /** Real threads, many runs: catches what the model checker's bounded search might not reach. */
    @Test
    void stress() {
        new StressOptions()
                .iterations(LONG ? 100 : 20)
                .invocationsPerIteration(LONG ? 5_000 : 1_000)
                .threads(3)
                .actorsPerThread(3)
                .check(AccountingLinearizabilityTest.class);
    }
}
