package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.TaskInfo;
import org.hwbp.core.x86.CpuShadow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restart of the core is a pause: snapshot, a new core from it, the owners back in any order, same machine. */
class CoreSnapshotTest {
    private static final BreakpointHandler QUIET = (bp, hit) -> { };
    private static final long USER = CoreFixture.USER_VAR;

    @TempDir
    Path dir;

    /** Everything a user can see of the machine: registers, shadows, slot owners, holders, list, tasks. */
    private static List<String> view(HwBreakpointCore core) {
        List<String> v = new ArrayList<>();
        for (int cpu = 0; cpu < core.cpus(); cpu++) {
            long[] hw = core.hardware(cpu);
            CpuShadow<PerfEvent> sh = core.shadow(cpu);
            StringBuilder sb = new StringBuilder("cpu " + cpu + " holder " + core.holder(cpu) + " running "
                    + core.running(cpu) + String.format(" DR0-3 %x %x %x %x DR6 %x DR7 %x cpu_dr7 %x", hw[0], hw[1],
                            hw[2], hw[3], hw[6], hw[7], sh.dr7()));
            for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
                sb.append(String.format(" [%x %s]", sh.address(slot), sh.owner(slot)));
            }
            v.add(sb.toString());
        }
        for (PerfEvent e : core.breakpoints()) {
            v.add(e + " " + e.target() + " " + e.spec() + " serial " + e.serial + " reserved " + e.reserved
                    + " installed " + e.installedCpu);
        }
        for (TaskInfo t : core.tasks()) {
            v.add(t.toString());
        }
        return v;
    }

    private static CoreSnapshot roundTrip(CoreSnapshot s, Path file) throws Exception {
        s.write(file);
        return CoreSnapshot.read(file);
    }

    @Test
    void ownersComingBackInAnotherOrderFindTheirIdsAndSlots() throws Exception {
        HwBreakpointCore core = new HwBreakpointCore(2, Policy.LINUX, 1000);
        BreakpointServiceImpl shell = new BreakpointServiceImpl(core, "shell");
        BreakpointServiceImpl ptrace = new BreakpointServiceImpl(core, "ptrace");
        int t1 = core.createTask("a");
        int t2 = core.createTask("b");
        core.switchTo(0, t1);
        core.switchTo(1, t2);
        Breakpoint a = shell.register(BreakpointSpec.onCpu(0, USER, 4, BreakpointSpec.W), QUIET);
        shell.register(BreakpointSpec.onCpu(0, USER + 0x40, 8, BreakpointSpec.RW), QUIET);
        shell.register(BreakpointSpec.onCpu(0, USER + 0x80, 1, BreakpointSpec.W), QUIET);
        a.unregister(); // slot 0 of CPU 0 free, DR0 stale, shell id 1 gone
        ptrace.register(BreakpointSpec.forTask(t1, USER + 0x100, 2, BreakpointSpec.W), QUIET); // CPU 0 slot 0
        shell.registerWide(BreakpointSpec.onCpu(0, USER + 0x200, 4, BreakpointSpec.RW), QUIET);
        shell.register(new BreakpointSpec(USER + 0x300, 1, BreakpointSpec.W, 1, BreakpointSpec.NO_TASK, true, true),
                QUIET); // disabled
        core.access(0, USER + 0x100, 1, org.hwbp.api.AccessKind.W, false);
        List<String> before = view(core);
        long writesBefore = core.registers(0).writes();

        CoreSnapshot s = roundTrip(core.suspend(), dir.resolve("core.snapshot"));
        assertThatThrownBy(() -> shell.register(BreakpointSpec.onCpu(1, USER, 1, BreakpointSpec.W), QUIET))
                .isInstanceOf(HwbpException.class).hasMessageStartingWith("EBUSY: core unavailable");
        ptrace.close();
        shell.close();
        core.shutdown();

        HwBreakpointCore again = new HwBreakpointCore(2, Policy.LINUX, 1000);
        again.restore(s);
        // The shell first, its breakpoints newest first; ptrace last: without the hints every slot would move.
        BreakpointServiceImpl shell2 = new BreakpointServiceImpl(again, "shell");
        List<CoreSnapshot.Event> back = new ArrayList<>(again.returningEvents("shell"));
        java.util.Collections.reverse(back);
        List<Integer> ids = new ArrayList<>();
        for (CoreSnapshot.Event e : back) {
            if (e.wide()) {
                if (e.spec().cpu() == 0) {
                    ids.add(shell2.registerWide(e.spec(), QUIET).id());
                }
            } else {
                ids.add(shell2.register(e.spec(), QUIET).id());
            }
        }
        BreakpointServiceImpl ptrace2 = new BreakpointServiceImpl(again, "ptrace");
        Breakpoint p = ptrace2.register(BreakpointSpec.forTask(t1, USER + 0x100, 2, BreakpointSpec.W), QUIET);

        assertThat(ids).containsExactly(5, 4, 3, 2);
        assertThat(p.id()).isEqualTo(1);
        assertThat(view(again)).isEqualTo(before);
        assertThat(again.registers(0).writes()).isGreaterThan(writesBefore);
        assertThat(again.checkQuiescent()).isEmpty();
        assertThat(shell2.register(BreakpointSpec.onCpu(1, USER, 1, BreakpointSpec.W), QUIET).id()).isEqualTo(6);
        again.shutdown();
    }

    @Test
    void aSlotKeptForAnOwnerThatDoesNotComeBackIsGivenAwayLast() throws Exception {
        HwBreakpointCore core = new HwBreakpointCore(1, Policy.LINUX, 1000);
        BreakpointServiceImpl kvm = new BreakpointServiceImpl(core, "kvm");
        BreakpointServiceImpl ptrace = new BreakpointServiceImpl(core, "ptrace");
        kvm.register(BreakpointSpec.onCpu(0, USER, 1, BreakpointSpec.W), QUIET);
        ptrace.register(BreakpointSpec.onCpu(0, USER + 8, 1, BreakpointSpec.W), QUIET);
        CoreSnapshot s = core.suspend();

        HwBreakpointCore again = new HwBreakpointCore(1, Policy.LINUX, 1000);
        again.restore(s);
        BreakpointServiceImpl other = new BreakpointServiceImpl(again, "other");
        // Slots 2 and 3 are free and nobody's: a newcomer takes them before the ones kept for kvm and ptrace.
        assertThat(other.register(BreakpointSpec.onCpu(0, USER + 16, 1, BreakpointSpec.W), QUIET)
                .installedSlot(0)).isEqualTo(2);
        BreakpointServiceImpl ptrace2 = new BreakpointServiceImpl(again, "ptrace");
        assertThat(ptrace2.register(BreakpointSpec.onCpu(0, USER + 8, 1, BreakpointSpec.W), QUIET)
                .installedSlot(0)).isEqualTo(1);
        // kvm's bundle came back and went without its breakpoint: slot 0 is free for anyone again.
        BreakpointServiceImpl kvm2 = new BreakpointServiceImpl(again, "kvm");
        kvm2.register(BreakpointSpec.onCpu(0, USER + 24, 1, BreakpointSpec.RW), QUIET).unregister();
        kvm2.close();
        assertThat(other.register(BreakpointSpec.onCpu(0, USER + 32, 1, BreakpointSpec.W), QUIET)
                .installedSlot(0)).isZero();
        assertThat(again.checkQuiescent()).isEmpty();
        again.shutdown();
    }

    @Test
    void theDebuggersClaimIsKeptForItsBundle() throws Exception {
        HwBreakpointCore core = new HwBreakpointCore(2, Policy.LINUX, 1000);
        BreakpointServiceImpl kgdb = new BreakpointServiceImpl(core, "kgdb");
        BreakpointServiceImpl ptrace = new BreakpointServiceImpl(core, "ptrace");
        ptrace.register(BreakpointSpec.onCpu(1, USER, 1, BreakpointSpec.W), QUIET);
        kgdb.debugger().claimAllCpus();
        List<String> before = view(core);
        CoreSnapshot s = roundTrip(core.suspend(), dir.resolve("claimed.snapshot"));

        HwBreakpointCore again = new HwBreakpointCore(2, Policy.LINUX, 1000);
        again.restore(s);
        new BreakpointServiceImpl(again, "ptrace").register(BreakpointSpec.onCpu(1, USER, 1, BreakpointSpec.W), QUIET);
        assertThat(view(again)).isEqualTo(before);
        assertThat(again.holder(0)).isEqualTo(Holder.DEBUGGER);
        assertThatThrownBy(() -> new BreakpointServiceImpl(again, "other").debugger().claimAllCpus())
                .hasMessageStartingWith("EBUSY");
        DebuggerClaim claim = new BreakpointServiceImpl(again, "kgdb").debugger().claimAllCpus();
        claim.release();
        assertThat(again.holder(1)).isEqualTo(Holder.HOST);
        assertThat(again.hardware(1)[7]).isEqualTo(again.shadow(1).dr7());
        assertThat(again.checkQuiescent()).isEmpty();
        again.shutdown();
    }

    @Test
    void theFirstChangeAfterTheStopBeganCapturesTheStateBeforeIt() {
        HwBreakpointCore core = new HwBreakpointCore(1, Policy.LINUX, 1000);
        BreakpointServiceImpl ptrace = new BreakpointServiceImpl(core, "ptrace");
        Breakpoint bp = ptrace.register(BreakpointSpec.onCpu(0, USER, 1, BreakpointSpec.W), QUIET);
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        core.setStoppingProbe(stopping::get);
        bp.unregister();
        assertThat(core.suspend().events()).isEmpty();

        HwBreakpointCore other = new HwBreakpointCore(1, Policy.LINUX, 1000);
        BreakpointServiceImpl kgdb = new BreakpointServiceImpl(other, "kgdb");
        Breakpoint kept = kgdb.register(BreakpointSpec.onCpu(0, USER, 1, BreakpointSpec.W), QUIET);
        other.setStoppingProbe(stopping::get);
        stopping.set(true);
        // A client's unbind releases its breakpoint before any component of the core is told of the stop.
        kept.unregister();
        assertThat(other.suspend().events()).extracting(CoreSnapshot.Event::owner).containsExactly("kgdb");
        assertThatThrownBy(() -> kgdb.register(BreakpointSpec.onCpu(0, USER, 1, BreakpointSpec.W), QUIET))
                .hasMessageStartingWith("EBUSY: core unavailable");
    }

    @Test
    void aSnapshotOfAnotherMachineIsRefused() throws Exception {
        CoreSnapshot s = new HwBreakpointCore(2, Policy.LINUX, 1000).suspend();
        Path file = dir.resolve("s");
        s.write(file);
        assertThatThrownBy(() -> new HwBreakpointCore(4, Policy.LINUX, 1000).restore(CoreSnapshot.read(file)))
                .hasMessageStartingWith("EINVAL");
        Files.writeString(file, "format=other\n");
        assertThatThrownBy(() -> CoreSnapshot.read(file)).hasMessageStartingWith("EIO");
    }

    @Test
    void theMemoryIsKeptAcrossARestartAndNoWriteAfterTheCaptureIsLost() throws Exception {
        HwBreakpointCore core = new HwBreakpointCore(1, Policy.LINUX, 1000);
        core.writeMemory(USER, new byte[] {1, 2, 3, 4});
        core.writeMemory(0xffff_ffff_ffff_fff0L, new byte[] {(byte) 0xcc});
        core.access(0, USER + 8, 8, org.hwbp.api.AccessKind.W, true, 0x0102030405060708L);
        CoreSnapshot s = roundTrip(core.suspend(), dir.resolve("core.snapshot"));
        assertThatThrownBy(() -> core.writeMemory(USER, new byte[] {9})).hasMessageStartingWith("EBUSY");
        core.shutdown();

        HwBreakpointCore again = new HwBreakpointCore(1, Policy.LINUX, 1000);
        again.restore(s);
        assertThat(again.readMemory(USER, 4)).containsExactly(1, 2, 3, 4);
        assertThat(again.readMemory(USER + 8, 8)).containsExactly(8, 7, 6, 5, 4, 3, 2, 1);
        assertThat(again.readMemory(0xffff_ffff_ffff_fff0L, 2)).containsExactly(0xcc, 0);
        assertThat(s.memory()).hasSize(2);
        again.shutdown();
    }
}
