package org.hwbp.kgdb.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.kgdb.Fixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** linux-reference §5, one test (or more) per row of its table, against the plain-Java core. */
class X86KgdbTest {
    private final Fixture f = new Fixture();
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void close() {
        f.close();
    }

    private X86Kgdb late() {
        return new X86Kgdb(f.kgdbService, log::add);
    }

    private static List<Integer> all() {
        return List.of(0, 1, 2, 3);
    }

    // ---------------------------------------------------------------- kgdb_arch_late()

    @Test
    void archLateLeavesFourDisabledWideEventsThatHoldNoSlot() {
        X86Kgdb k = late();

        assertThat(k.disabledBy()).isNull();
        assertThat(k.cpus()).isEqualTo(4);
        List<Breakpoint> events = f.kgdbService.breakpoints();
        assertThat(events).hasSize(4 * 4);
        for (Breakpoint bp : events) {
            assertThat(bp.isRegistered()).isTrue();
            assertThat(bp.isReserved()).isFalse();
            assertThat(bp.spec().disabled()).isTrue();
            assertThat(bp.spec().address()).isEqualTo(X86Kgdb.KGDB_ARCH_INIT);
            assertThat(bp.spec().length()).isEqualTo(1);
            assertThat(bp.spec().type()).isEqualTo(BreakpointSpec.W);
        }
        assertThat(f.kgdbService.isUsed()).isFalse();
        for (int cpu = 0; cpu < 4; cpu++) {
            assertThat(f.core.slotsInUse(cpu)).isZero();
        }
        assertThat(k.entries()).allSatisfy(e -> assertThat(e.enabled()).isFalse());
    }

    @Test
    void archLateNeedsOneFreeSlotPerCpuAtATimeOnly() {
        // Three slots used on CPU 2: each registration takes the fourth, then gives it back.
        for (int i = 0; i < 3; i++) {
            f.otherOnCpu(2, Fixture.DATA2 + 8L * i, "o" + i);
        }
        X86Kgdb k = late();

        assertThat(k.disabledBy()).isNull();
        assertThat(f.core.slotsInUse(2)).isEqualTo(3);
    }

    @Test
    void archLateThatCannotAllocateDisablesKgdbAndUnregistersEverything() {
        f.fill(2);
        X86Kgdb k = late();

        assertThat(k.disabledBy()).isNotNull();
        assertThat(k.disabledBy().errno()).isEqualTo(Errno.ENOSPC);
        assertThat(log).singleElement().asString()
                .contains("Could not allocate hw breakpoints").contains("Disabling the kernel debugger");
        assertThat(f.kgdbService.breakpoints()).isEmpty();
        assertThat(f.core.slotsInUse(0)).isZero();
        assertThat(f.core.slotsInUse(2)).isEqualTo(4);
        assertThat(f.core.check()).isEmpty();
    }

    @Test
    void aDisabledKgdbAnswersEveryCommandWithAClearError() {
        f.fill(2);
        f.startKgdb();

        assertThatThrownBy(() -> f.packet("Z2,ffffffff82001000,4")).isInstanceOf(HwbpException.class)
                .hasMessage("ENOSPC: kgdb disabled: could not allocate hw breakpoints");
        assertThatThrownBy(() -> f.kgdb.breakIn()).hasMessageStartingWith("ENOSPC: kgdb disabled");
        assertThatThrownBy(() -> f.kgdb.resume()).hasMessageStartingWith("ENOSPC: kgdb disabled");
        assertThatThrownBy(() -> f.kgdb.status()).hasMessageStartingWith("ENOSPC: kgdb disabled");
        assertThat(f.core.debuggerActive()).isFalse();
    }

    // ---------------------------------------------------------------- kgdb_set_hw_break()

    @Test
    void setHwBreakTakesTheFirstFreeEntryAndReservesOnEveryCpu() {
        X86Kgdb k = late();

        assertThat(k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT)).isZero();
        assertThat(k.setHwBreak(Fixture.DATA2, 8, KgdbBpType.BP_ACCESS_WATCHPOINT)).isZero();

        Entry e0 = k.entries().get(0);
        assertThat(e0).isEqualTo(new Entry(0, true, Fixture.DATA, 4, BreakpointSpec.W, all(), List.of()));
        Entry e1 = k.entries().get(1);
        assertThat(e1).isEqualTo(new Entry(1, true, Fixture.DATA2, 8, BreakpointSpec.RW, all(), List.of()));
        for (int cpu = 0; cpu < 4; cpu++) {
            assertThat(f.core.slotsInUse(cpu)).isEqualTo(2);
        }
        // Freeing entry 0 makes it the first free one again.
        assertThat(k.removeHwBreak(Fixture.DATA)).isZero();
        assertThat(k.setHwBreak(Fixture.DATA + 8, 2, KgdbBpType.BP_WRITE_WATCHPOINT)).isZero();
        assertThat(k.entries().get(0).addr()).isEqualTo(Fixture.DATA + 8);
        assertThat(f.core.check()).isEmpty();
    }

    @Test
    void aHardwareBreakpointIsAnExecuteBreakpointOfArchLengthOne() {
        X86Kgdb k = late();

        assertThat(k.setHwBreak(Fixture.TEXT, 4, KgdbBpType.BP_HARDWARE_BREAKPOINT)).isZero();

        assertThat(k.entries().get(0)).isEqualTo(new Entry(0, true, Fixture.TEXT, 1, BreakpointSpec.X, all(), List.of()));
        for (int cpu = 0; cpu < 4; cpu++) {
            k.correctHwBreak(cpu);
            // DR7: G0 set, R/W0 = 00 (execute) and LEN0 = 00 (the execute length), GE.
            assertThat(f.hwDr7(cpu) & 0xF0003L).isEqualTo(0x2L);
            assertThat(f.hwDr(cpu, 0)).isEqualTo(Fixture.TEXT);
        }
    }

    @Test
    void aReadWatchpointIsRefusedOnX86() {
        X86Kgdb k = late();

        assertThat(k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_READ_WATCHPOINT)).isEqualTo(-1);
        assertThat(k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_BREAKPOINT)).isEqualTo(-1);
        assertThat(k.entries()).allSatisfy(e -> assertThat(e.enabled()).isFalse());
        assertThat(f.core.slotsInUse(0)).isZero();
    }

    @Test
    void lengthsOtherThanOneTwoFourEightAreRefused() {
        X86Kgdb k = late();

        for (int len : new int[] {0, 3, 5, 16, -1}) {
            assertThat(k.setHwBreak(Fixture.DATA, len, KgdbBpType.BP_WRITE_WATCHPOINT)).isEqualTo(-1);
        }
        for (int len : new int[] {1, 2, 4, 8}) {
            assertThat(k.setHwBreak(Fixture.DATA + 0x10L * len, len, KgdbBpType.BP_WRITE_WATCHPOINT)).isZero();
        }
        assertThat(f.core.slotsInUse(3)).isEqualTo(4);
    }

    @Test
    void aFifthBreakpointFindsNoFreeEntry() {
        X86Kgdb k = late();
        for (int i = 0; i < 4; i++) {
            assertThat(k.setHwBreak(Fixture.DATA + 8L * i, 8, KgdbBpType.BP_WRITE_WATCHPOINT)).isZero();
        }

        assertThat(k.setHwBreak(Fixture.DATA2, 8, KgdbBpType.BP_WRITE_WATCHPOINT)).isEqualTo(-1);
        assertThat(k.lastFailure()).contains("every breakinfo entry is in use");
    }

    // ---------------------------------------------------------------- hw_break_reserve_slot()

    @Test
    void aCpuThatRefusesRollsBackTheCpusAlreadyReserved() {
        X86Kgdb k = late();
        f.fill(2);

        assertThat(k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT)).isEqualTo(-1);

        assertThat(k.lastFailure()).startsWith("CPU 2 refused: ENOSPC");
        Entry e = k.entries().get(0);
        assertThat(e.enabled()).isFalse();
        assertThat(e.addr()).isZero();
        assertThat(e.reservedCpus()).isEmpty();
        assertThat(f.kgdbService.breakpoints()).noneMatch(Breakpoint::isReserved);
        assertThat(f.core.slotsInUse(0)).isZero();
        assertThat(f.core.slotsInUse(1)).isZero();
        assertThat(f.core.slotsInUse(3)).isZero();
        assertThat(f.core.check()).isEmpty();
    }

    @Test
    void aRegistrationInFlightOfACpuBreakpointMakesItFailAtOnce() throws Exception {
        X86Kgdb k = late();
        int result;
        long took;
        try (AutoCloseable inFlight = f.registrationInFlight(1, BreakpointSpec.NO_TASK)) {
            long t0 = System.nanoTime();
            result = k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT);
            took = System.nanoTime() - t0;
        }

        assertThat(result).isEqualTo(-1);
        assertThat(took).isLessThan(100_000_000L);
        assertThat(k.lastFailure()).startsWith("CPU 0 refused: EBUSY");
        assertThat(f.kgdbService.breakpoints()).noneMatch(Breakpoint::isReserved);
        // Once the registration finished, the same request fits.
        assertThat(k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT)).isZero();
    }

    @Test
    void aRegistrationInFlightOfATaskBreakpointRefusesKgdbToo() throws Exception {
        X86Kgdb k = late();
        int task = f.machine.createTask("t");
        try (AutoCloseable inFlight = f.registrationInFlight(BreakpointSpec.ANY_CPU, task)) {
            assertThat(k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT)).isEqualTo(-1);
        }
        assertThat(k.lastFailure()).contains("EBUSY");
        assertThat(f.kgdbService.breakpoints()).noneMatch(Breakpoint::isReserved);
    }

    // ---------------------------------------------------------------- hw_break_release_slot(), kgdb_remove_hw_break()

    @Test
    void removeReleasesEveryCpuAndFreesTheEntry() {
        X86Kgdb k = late();
        k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT);

        assertThat(k.removeHwBreak(Fixture.DATA)).isZero();

        assertThat(k.entries().get(0).enabled()).isFalse();
        assertThat(f.kgdbService.breakpoints()).noneMatch(Breakpoint::isReserved);
        assertThat(f.kgdbService.isUsed()).isFalse();
    }

    @Test
    void removeFindsTheEntryByAddressOnly() {
        X86Kgdb k = late();
        k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT);

        assertThat(k.removeHwBreak(Fixture.DATA + 4)).isEqualTo(-1);
        // kgdb_remove_hw_break() ignores the packet's type and length.
        assertThat(k.removeHwBreak(Fixture.DATA)).isZero();
        assertThat(k.removeHwBreak(Fixture.DATA)).isEqualTo(-1);
    }

    @Test
    void aReleaseRefusedWhileARegistrationIsInFlightKeepsTheEntryForARetry() throws Exception {
        X86Kgdb k = late();
        k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT);

        try (AutoCloseable inFlight = f.registrationInFlight(3, BreakpointSpec.NO_TASK)) {
            assertThat(k.removeHwBreak(Fixture.DATA)).isEqualTo(-1);
        }
        assertThat(log).contains(String.format("Cannot remove hw breakpoint at %x", Fixture.DATA));
        assertThat(k.entries().get(0).enabled()).isTrue();
        assertThat(k.entries().get(0).reservedCpus()).isEqualTo(all());

        assertThat(k.removeHwBreak(Fixture.DATA)).isZero();
        assertThat(f.kgdbService.isUsed()).isFalse();
    }

    // ---------------------------------------------------------------- kgdb_disable_hw_debug(), kgdb_correct_hw_break()

    @Test
    void correctInstallsEveryEnabledEntryAndDisableTakesThemOut() {
        X86Kgdb k = late();
        k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT);
        k.setHwBreak(Fixture.DATA2, 8, KgdbBpType.BP_ACCESS_WATCHPOINT);

        for (int cpu = 0; cpu < 4; cpu++) {
            k.correctHwBreak(cpu);
        }
        assertThat(k.entries().subList(0, 2)).allSatisfy(e -> assertThat(e.installedCpus()).isEqualTo(all()));
        for (int cpu = 0; cpu < 4; cpu++) {
            assertThat(f.core.shadow(cpu).installedCount()).isEqualTo(2);
            assertThat(f.hwDr7(cpu)).isEqualTo(f.core.shadow(cpu).dr7());
        }
        // A second pass installs nothing twice.
        k.correctHwBreak(0);
        assertThat(f.core.shadow(0).installedCount()).isEqualTo(2);

        for (int cpu = 0; cpu < 4; cpu++) {
            k.disableHwDebug(cpu);
        }
        assertThat(k.entries()).allSatisfy(e -> assertThat(e.installedCpus()).isEmpty());
        // Disabled in the hardware sense only: the entries and their slots stay.
        assertThat(k.entries().subList(0, 2)).allSatisfy(e -> {
            assertThat(e.enabled()).isTrue();
            assertThat(e.reservedCpus()).isEqualTo(all());
        });
        assertThat(f.core.check()).isEmpty();
    }

    // ---------------------------------------------------------------- kgdb_remove_all_hw_break()

    @Test
    void removeAllOnlyUninstallsAnEntryInstalledOnThisCpuAndKeepsItsSlots() {
        X86Kgdb k = late();
        k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT);
        k.setHwBreak(Fixture.DATA2, 4, KgdbBpType.BP_WRITE_WATCHPOINT);
        k.correctHwBreak(0);
        k.correctHwBreak(1);
        // Entry 1 is taken out of CPU 0 again: the next call releases it; entry 0 is still installed there.
        Breakpoint entry1OnCpu0 = f.kgdbService.breakpoints().stream()
                .filter(bp -> bp.id() == 2 && bp.spec().cpu() == 0).findFirst().orElseThrow();
        f.kgdbService.debugger().uninstall(entry1OnCpu0);

        k.removeAllHwBreak(0);

        Entry e0 = k.entries().get(0);
        assertThat(e0.enabled()).isTrue();
        assertThat(e0.reservedCpus()).isEqualTo(all());
        assertThat(e0.installedCpus()).containsExactly(1);
        Entry e1 = k.entries().get(1);
        assertThat(e1.enabled()).isFalse();
        assertThat(e1.reservedCpus()).isEmpty();

        // Now entry 0 is no longer installed on CPU 0, so the next call releases it.
        k.disableHwDebug(1);
        k.removeAllHwBreak(0);
        assertThat(k.entries()).allSatisfy(e -> assertThat(e.enabled()).isFalse());
        assertThat(f.kgdbService.isUsed()).isFalse();
        assertThat(f.core.check()).isEmpty();
    }

    // ---------------------------------------------------------------- kgdb_hw_overflow_handler()

    @Test
    void theVirtualDr6HasABitForEveryEnabledEntry() {
        X86Kgdb k = late();
        assertThat(k.virtualDr6()).isZero();
        k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT);
        k.setHwBreak(Fixture.DATA2, 4, KgdbBpType.BP_WRITE_WATCHPOINT);
        k.setHwBreak(Fixture.DATA2 + 8, 4, KgdbBpType.BP_WRITE_WATCHPOINT);
        k.removeHwBreak(Fixture.DATA2);

        assertThat(k.virtualDr6()).isEqualTo(0b101L);
    }

    // ---------------------------------------------------------------- kgdb_arch_exit()

    @Test
    void exitUnregistersTheEvents() {
        X86Kgdb k = late();
        k.setHwBreak(Fixture.DATA, 4, KgdbBpType.BP_WRITE_WATCHPOINT);

        k.exit();

        assertThat(f.kgdbService.breakpoints()).isEmpty();
        assertThat(f.core.isUsed()).isFalse();
    }
}
