package org.hwbp.kgdb.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Holder;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.kgdb.Fixture;
import org.hwbp.kgdb.gdb.GdbStub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kgdb's state across its own restart and the core's: round trips, re-reservation, the ENOSPC report. */
class KgdbStateTest {
    @TempDir
    Path dir;

    @Test
    void roundTripThroughTextAndFile() throws Exception {
        try (Fixture f = new Fixture().startKgdb()) {
            assertThat(f.packet("Z2,ffffffff82001000,4")).isEqualTo("OK");
            assertThat(f.packet("Z4,ffffffff82002000,8")).isEqualTo("OK");
            assertThat(f.packet("z2,ffffffff82001000,4")).isEqualTo("OK");
            f.kgdb.breakIn();
            KgdbState s = f.kgdb.snapshot();
            assertThat(s.entries()).containsExactly(null,
                    new KgdbState.BreakEntry(Fixture.DATA2, 8, BreakpointSpec.RW), null, null);
            assertThat(s.stopped()).isTrue();
            assertThat(s.lastStop()).isEqualTo("break request (sysrq-g) on cpu 0");

            assertThat(KgdbState.read(s.write())).isEqualTo(s);
            Path file = dir.resolve("kgdb.properties");
            s.save(file);
            assertThat(KgdbState.load(file)).isEqualTo(s);
        }
    }

    @Test
    void noFileIsTheInitialStateAndGarbageIsRefused() throws Exception {
        assertThat(KgdbState.load(dir.resolve("none"))).isEqualTo(KgdbState.INITIAL);
        assertThat(KgdbState.read(KgdbState.INITIAL.write())).isEqualTo(KgdbState.INITIAL);
        Path bad = dir.resolve("bad");
        Files.writeString(bad, "format=1\nbreakinfo.0=12\n");
        assertThatThrownBy(() -> KgdbState.load(bad)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The core restarts for kgdb: its service is closed, a new one comes on the same core. */
    @Test
    void coreRestartReservesTheEntriesAgainAndHoldsTheMachineAgain() {
        try (Fixture f = new Fixture().startKgdb()) {
            f.packet("Z2,ffffffff82001000,4");
            f.kgdb.breakIn();
            f.packet("Z1,ffffffff81234560,1");
            KgdbState before = f.kgdb.snapshot();
            List<String> statusBefore = f.kgdb.status();
            f.kgdbService.close();
            assertThat(f.core.isUsed()).isFalse();
            assertThat(f.machine.holder(1)).isEqualTo(Holder.HOST);

            BreakpointServiceImpl next = new BreakpointServiceImpl(f.core, Fixture.KGDB);
            DebugCore kgdb = new DebugCore(next, f.log::add, before);
            assertThat(f.log).isEmpty();
            assertThat(kgdb.snapshot()).isEqualTo(before);
            assertThat(kgdb.status()).isEqualTo(statusBefore);
            assertThat(f.machine.holder(1)).isEqualTo(Holder.DEBUGGER);
            // kgdb_arch_late's four wide events: ids 1..4 again, 16 per-CPU events.
            assertThat(next.breakpoints()).extracting(Breakpoint::id).containsOnly(1, 2, 3, 4).hasSize(16);

            kgdb.resume();
            assertThat(kgdb.entries().get(0).installedCpus()).containsExactly(0, 1, 2, 3);
            assertThat(kgdb.entries().get(1).installedCpus()).containsExactly(0, 1, 2, 3);
            assertThat(f.core.check()).isEmpty();
        }
    }

    @Test
    void anEntryWhoseSlotWasTakenIsReportedKeptAndSavedAgain() {
        try (Fixture f = new Fixture().startKgdb()) {
            f.packet("Z2,ffffffff82001000,4");
            f.packet("Z4,ffffffff82002000,8");
            KgdbState before = f.kgdb.snapshot();
            f.kgdbService.close();
            // Meanwhile the other owner takes three slots on CPU 2: kgdb_arch_late still fits (one slot),
            // the first entry gets the last slot, the second finds none.
            f.otherOnCpu(2, Fixture.DATA2 + 0x100, "a");
            f.otherOnCpu(2, Fixture.DATA2 + 0x108, "b");
            f.otherOnCpu(2, Fixture.DATA2 + 0x110, "c");

            BreakpointServiceImpl next = new BreakpointServiceImpl(f.core, Fixture.KGDB);
            DebugCore kgdb = new DebugCore(next, f.log::add, before);
            assertThat(kgdb.disabledBy()).isNull();
            assertThat(f.log).hasSize(1);
            assertThat(f.log.get(0)).startsWith("kgdb: bp 1 rw 0xffffffff82002000 len 8: not restored: ENOSPC");
            assertThat(kgdb.status()).contains(
                    "bp 0: w 0xffffffff82001000 len 4 reserved cpus 0,1,2,3 installed cpus 0,1,2,3")
                    .anyMatch(l -> l.startsWith("bp 1: rw 0xffffffff82002000 len 8 not restored: ENOSPC"));
            // Kept in the state, so the next restart tries again.
            assertThat(kgdb.snapshot()).isEqualTo(before);
            // A new gdb breakpoint that reuses the entry supersedes it, and says so.
            f.other.breakpoints().get(2).unregister();
            assertThat(new GdbStub(kgdb).handle("Z2,ffffffff82003000,1")).isEqualTo("OK");
            assertThat(f.log.get(1)).isEqualTo(
                    "kgdb: breakinfo[1] reused: the unrestored entry at 0xffffffff82002000 is dropped");
            assertThat(kgdb.snapshot().entries()).containsExactly(
                    new KgdbState.BreakEntry(Fixture.DATA, 4, BreakpointSpec.W),
                    new KgdbState.BreakEntry(0xffffffff82003000L, 1, BreakpointSpec.W), null, null);
        }
    }

    @Test
    void stateListsNeedFourEntries() {
        assertThatThrownBy(() -> new KgdbState(Arrays.asList(new KgdbState.BreakEntry[3]), false, 0, "none", "none"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
