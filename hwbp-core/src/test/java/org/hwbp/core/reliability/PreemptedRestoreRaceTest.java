package org.hwbp.core.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Debugger;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;
import org.junit.jupiter.api.Test;

/**
 * An unregistration racing the restore of its own breakpoint, preempted by the debugger-priority policy: the
 * debugger's release of a slot restores the waiting breakpoint it still sees registered (reserves its slot under
 * the constraint locks), and the unregistration must give that slot back. It used to decide "not reserved"
 * outside those locks, so a restore completing in between left the slot taken by a breakpoint that was gone
 * (hw_breakpoint_is_used() true with nothing registered). Found by reading; before the fix 33 rounds of 3 000
 * leaked here, none since.
 */
class PreemptedRestoreRaceTest {
    private static final int ROUNDS = 3_000;
    private static final BreakpointHandler QUIET = (bp, hit) -> { };

    @Test
    void anUnregistrationRacingTheRestoreOfItsPreemptedBreakpointLeavesNoSlotTaken() throws Exception {
        int leaked = 0;
        for (int round = 0; round < ROUNDS; round++) {
            HwBreakpointCore core = new HwBreakpointCore(1, Policy.DEBUGGER_PRIORITY, 1000);
            BreakpointServiceImpl kgdbEvents = new BreakpointServiceImpl(core, "kgdb");
            Debugger kgdb = kgdbEvents.debugger();
            // kgdb's four pre-created events on the one CPU, their slots given back (dbg_release_bp_slot).
            List<Breakpoint> placeholders = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                Breakpoint p = kgdbEvents.register(
                        BreakpointSpec.onCpu(0, 0x600100 + k, 1, BreakpointSpec.RW).withDisabled(true), QUIET);
                kgdb.releaseSlot(p);
                placeholders.add(p);
            }
            Breakpoint victim = new BreakpointServiceImpl(core, "ptrace")
                    .register(BreakpointSpec.onCpu(0, 0x600000, 1, BreakpointSpec.W), QUIET);
            for (Breakpoint p : placeholders) {
                kgdb.reserveSlot(p);
            }
            assertThat(victim.isPreempted()).as("the fourth debugger slot preempts the ptrace breakpoint").isTrue();

            CyclicBarrier start = new CyclicBarrier(2);
            Thread release = new Thread(() -> {
                await(start);
                kgdb.releaseSlot(placeholders.get(3));
            }, "debugger release");
            release.start();
            await(start);
            // The restore reserves a few microseconds after the release starts: the unregistration starts at a
            // delay swept over that range, so that some rounds meet inside the restore's window.
            for (long until = System.nanoTime() + (round % 60) * 100L; System.nanoTime() < until;) {
                Thread.onSpinWait();
            }
            victim.unregister();
            release.join();
            for (Breakpoint p : placeholders) {
                p.unregister();
            }
            if (core.isUsed()) {
                leaked++;
            }
            core.shutdown();
        }
        assertThat(leaked).as("rounds that left a slot taken with nothing registered (of %d)", ROUNDS).isZero();
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
