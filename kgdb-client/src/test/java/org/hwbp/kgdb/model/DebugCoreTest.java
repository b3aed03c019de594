package org.hwbp.kgdb.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.core.Policy;
import org.hwbp.kgdb.Fixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Entering and leaving the debugger, hits, the claim protocol as other owners see it, and the policies. */
class DebugCoreTest {
    private static final String Z2 = String.format("Z2,%x,4", Fixture.DATA);
    private static final String Z2_REMOVE = String.format("z2,%x,4", Fixture.DATA);
    private static final List<Integer> ALL = List.of(0, 1, 2, 3);

    private Fixture f = new Fixture().startKgdb();

    @AfterEach
    void close() {
        f.close();
    }

    private void assertEveryCpuHeldBy(Holder h) {
        for (int cpu = 0; cpu < 4; cpu++) {
            assertThat(f.machine.holder(cpu)).as("holder of CPU %d", cpu).isEqualTo(h);
        }
    }

    private void assertEveryCpuRestoredFromItsShadows() {
        for (int cpu = 0; cpu < 4; cpu++) {
            assertThat(f.hwDr7(cpu)).as("DR7 of CPU %d", cpu).isEqualTo(f.core.shadow(cpu).dr7());
            for (int slot = 0; slot < 4; slot++) {
                assertThat(f.hwDr(cpu, slot)).isEqualTo(f.core.shadow(cpu).address(slot));
            }
        }
        assertThat(f.core.check()).isEmpty();
    }

    @Test
    void aPacketThatArrivesAfterTheClientLeftTheCoreAnswersEbusy() {
        f.kgdb.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.packet(Z2))
                .isInstanceOfSatisfying(org.hwbp.api.HwbpException.class,
                        e -> assertThat(e.getMessage()).isEqualTo("EBUSY: core unavailable"));
        assertThat(f.core.isUsed()).isFalse();
    }

    @Test
    void breakHoldsEveryCpuWithDr7Reset_continueInstallsKgdbAndRestoresEveryone() {
        Breakpoint other = f.otherOnCpu(1, Fixture.DATA2, "b");
        assertThat(f.packet(Z2)).isEqualTo("OK");
        long shadowDr7Cpu1 = f.core.shadow(1).dr7();
        f.told.clear();

        f.kgdb.breakIn();

        assertThat(f.kgdb.stopped()).isTrue();
        assertEveryCpuHeldBy(Holder.DEBUGGER);
        for (int cpu = 0; cpu < 4; cpu++) {
            assertThat(f.hwDr7(cpu)).isEqualTo(0x400L);
        }
        // kgdb_disable_hw_debug() took kgdb's own events out (of the shadows: the hardware is the debugger's);
        // the other owner's breakpoint stays in cpu_dr7.
        assertThat(f.kgdb.entries().get(0).installedCpus()).isEmpty();
        assertThat(other.installedSlot(1)).isGreaterThanOrEqualTo(0);
        assertThat(f.core.shadow(1).dr7() & 0xFF).isNotZero();
        assertThat(f.told).contains("claimed [0, 1, 2, 3] DEBUGGER", "b preempted DEBUGGER_CLAIM");
        assertThat(f.kgdb.lastStop()).isEqualTo("break request (sysrq-g) on cpu 0");

        f.kgdb.resume();

        assertThat(f.kgdb.stopped()).isFalse();
        assertEveryCpuHeldBy(Holder.HOST);
        assertThat(f.kgdb.entries().get(0).installedCpus()).isEqualTo(ALL);
        assertThat(f.core.shadow(1).dr7()).isEqualTo(shadowDr7Cpu1);
        assertEveryCpuRestoredFromItsShadows();
        assertThat(f.told).contains("b restored", "released [0, 1, 2, 3] DEBUGGER");
    }

    @Test
    void aBreakpointSetWhileStoppedIsInstalledWhenTheMachineResumes() {
        f.kgdb.breakIn();

        assertThat(f.packet(Z2)).isEqualTo("OK");
        assertThat(f.kgdb.entries().get(0).reservedCpus()).isEqualTo(ALL);
        assertThat(f.kgdb.entries().get(0).installedCpus()).isEmpty();
        assertThat(f.hwDr7(2)).isEqualTo(0x400L);

        f.kgdb.resume();

        assertThat(f.kgdb.entries().get(0).installedCpus()).isEqualTo(ALL);
        assertThat(f.hwDr(2, 0)).isEqualTo(Fixture.DATA);
        assertEveryCpuRestoredFromItsShadows();
    }

    @Test
    void aPacketWhileRunningArmsAtOnceAndARemovalNeverLeavesAnInstalledEventWithoutItsSlot() {
        assertThat(f.packet(Z2)).isEqualTo("OK");
        assertThat(f.kgdb.entries().get(0).installedCpus()).isEqualTo(ALL);
        assertEveryCpuRestoredFromItsShadows();

        assertThat(f.packet(Z2_REMOVE)).isEqualTo("OK");

        assertThat(f.kgdb.entries().get(0).installedCpus()).isEmpty();
        assertThat(f.kgdbService.isUsed()).isFalse();
        for (int cpu = 0; cpu < 4; cpu++) {
            assertThat(f.core.shadow(cpu).installedCount()).isZero();
        }
        assertEveryCpuRestoredFromItsShadows();
    }

    @Test
    void aHitOfAKgdbWatchpointEntersTheDebuggerOnThatCpu() {
        assertThat(f.packet(Z2)).isEqualTo("OK");
        assertThat(f.packet(String.format("Z4,%x,8", Fixture.DATA2))).isEqualTo("OK");
        f.told.clear();

        AccessResult r = f.machine.access(2, Fixture.DATA, 4, AccessKind.W, true);

        assertThat(r.trapped()).isTrue();
        assertThat(f.kgdb.stopped()).isTrue();
        assertThat(f.kgdb.lastStop()).isEqualTo(String.format(
                "hw breakpoint 0 at 0x%x cpu 2 (virtual dr6 0x3)", Fixture.DATA));
        assertEveryCpuHeldBy(Holder.DEBUGGER);
        for (int cpu = 0; cpu < 4; cpu++) {
            assertThat(f.hwDr7(cpu)).isEqualTo(0x400L);
        }
        assertThat(f.kgdb.status()).contains("debugger holds the machine (cpu 2 in kgdb)");
        assertThat(f.told).contains("claimed [0, 1, 2, 3] DEBUGGER");

        // While stopped nothing fires; after the continue the watchpoint does again.
        assertThat(f.machine.access(1, Fixture.DATA, 4, AccessKind.W, true).trapped()).isFalse();
        f.kgdb.resume();
        f.machine.access(3, Fixture.DATA2, 1, AccessKind.R, true);
        assertThat(f.kgdb.lastStop()).isEqualTo(String.format(
                "hw breakpoint 1 at 0x%x cpu 3 (virtual dr6 0x3)", Fixture.DATA2));
    }

    @Test
    void aHitOfAHardwareBreakpointEntersTheDebugger() {
        assertThat(f.packet(String.format("Z1,%x,1", Fixture.TEXT))).isEqualTo("OK");

        f.machine.access(0, Fixture.TEXT, 1, AccessKind.X, true);

        assertThat(f.kgdb.stopped()).isTrue();
        assertThat(f.kgdb.lastStop()).startsWith(String.format("hw breakpoint 0 at 0x%x cpu 0", Fixture.TEXT));
    }

    @Test
    void breakTwiceIsBusyAndContinueWithoutABreakIsInvalid() {
        assertThatThrownBy(() -> f.kgdb.resume()).isInstanceOf(HwbpException.class)
                .hasMessage("EINVAL: the debugger does not hold the machine");
        f.kgdb.breakIn();
        assertThatThrownBy(() -> f.kgdb.breakIn()).isInstanceOf(HwbpException.class).hasMessageStartingWith("EBUSY");
        assertThat(f.kgdb.stopped()).isTrue();
    }

    @Test
    void closingWhileHoldingTheMachineReleasesTheClaimAndRestoresEveryCpu() {
        f.otherOnCpu(3, Fixture.DATA2, "b");
        f.packet(Z2);
        f.kgdb.breakIn();
        f.told.clear();

        f.kgdb.close();

        assertEveryCpuHeldBy(Holder.HOST);
        assertThat(f.core.debuggerActive()).isFalse();
        assertThat(f.kgdbService.breakpoints()).isEmpty();
        assertThat(f.core.slotsInUse(0)).isZero();
        assertThat(f.core.slotsInUse(3)).isEqualTo(1);
        assertEveryCpuRestoredFromItsShadows();
        assertThat(f.told).contains("b restored", "released [0, 1, 2, 3] DEBUGGER");
    }

    @Test
    void detachRemovesEveryBreakpointAndResumes() {
        f.packet(Z2);
        f.packet(String.format("Z1,%x,1", Fixture.TEXT));
        f.kgdb.breakIn();

        assertThat(f.packet("D")).isEqualTo("OK");

        assertThat(f.kgdb.stopped()).isFalse();
        assertThat(f.kgdb.entries()).allSatisfy(e -> assertThat(e.enabled()).isFalse());
        assertThat(f.kgdbService.isUsed()).isFalse();
        assertEveryCpuRestoredFromItsShadows();
    }

    @Test
    void statusQueryClearsLeftoversAndKillAndContinueResume() {
        f.packet(Z2);
        assertThat(f.packet("?")).isEqualTo("S05");
        assertThat(f.kgdb.entries().get(0).enabled()).isFalse();

        f.kgdb.breakIn();
        assertThat(f.packet("c")).isEmpty();
        assertThat(f.kgdb.stopped()).isFalse();

        f.packet(Z2);
        f.kgdb.breakIn();
        assertThat(f.packet("k")).isEmpty();
        assertThat(f.kgdb.stopped()).isFalse();
        assertThat(f.kgdbService.isUsed()).isFalse();
    }

    @Test
    void underLinuxAFullCpuMeansE01() {
        f.fill(0);
        assertThat(f.packet(Z2)).isEqualTo("E01");
        assertThat(f.kgdb.status()).anyMatch(l -> l.startsWith("last failure: CPU 0 refused: ENOSPC"));
    }

    @Test
    void underDebuggerPriorityTheNewestOtherReservationIsPreemptedAndRestored() {
        f.close();
        f = new Fixture(4, Policy.DEBUGGER_PRIORITY).startKgdb();
        List<Breakpoint> others = f.fill(0);
        Breakpoint newest = others.get(3);

        assertThat(f.packet(Z2)).isEqualTo("OK");

        assertThat(newest.isPreempted()).isTrue();
        assertThat(newest.installedSlot(0)).isEqualTo(-1);
        assertThat(others.subList(0, 3)).noneMatch(Breakpoint::isPreempted);
        assertThat(f.told).contains("cpu0-3 preempted DEBUGGER_PRIORITY");
        assertThat(f.kgdb.entries().get(0).installedCpus()).isEqualTo(ALL);
        assertThat(f.core.shadow(0).installedCount()).isEqualTo(4);

        assertThat(f.packet(Z2_REMOVE)).isEqualTo("OK");

        assertThat(newest.isPreempted()).isFalse();
        assertThat(newest.isReserved()).isTrue();
        assertThat(newest.installedSlot(0)).isGreaterThanOrEqualTo(0);
        assertThat(f.told).contains("cpu0-3 restored");
        assertEveryCpuRestoredFromItsShadows();
    }
}
