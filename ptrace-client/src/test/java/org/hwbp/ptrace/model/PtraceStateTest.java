package org.hwbp.ptrace.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.MachineImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ptrace client's state across its own restart and the core's: serialisation round trips, and a tracer
 * rebuilt on a new service of the same core (what DS does when the core or this bundle comes back).
 */
class PtraceStateTest {
    static final long VAR = 0x601000;

    @TempDir
    Path dir;

    /** A tracee with DR0 enabled (4-byte write watch), DR1 disabled, a SIGTRAP stop and a claim log line. */
    private static void busyTracee(PtraceFixture f) {
        f.poke("dr0", VAR);
        f.poke("dr1", VAR + 8);
        f.poke("dr7", 0x000d0101L);
        f.access(VAR, 4, AccessKind.W);
    }

    @Test
    void roundTripThroughTextAndFile() throws Exception {
        try (PtraceFixture f = new PtraceFixture()) {
            busyTracee(f);
            int other = f.machine.createTask("detached");
            f.tracer.attach(other);
            f.tracer.pokeUser(other, UserArea.offsetOfName("dr3"), 0x700000);
            f.tracer.detach(other);
            PtraceState s = f.tracer.snapshot();

            assertThat(s.tasks()).extracting(PtraceState.TaskState::task).containsExactly(f.task, other);
            PtraceState.TaskState t = s.tasks().get(0);
            assertThat(t.traced()).isTrue();
            assertThat(t.drs()).containsExactly(new PtraceState.Dr(VAR, 4, BreakpointSpec.W, false, 1),
                    new PtraceState.Dr(VAR + 8, 8, BreakpointSpec.X, true, 2), null, null);
            assertThat(t.ptraceDr7()).isEqualTo(0xd0101L);
            assertThat(t.virtualDr6()).isEqualTo(1);
            assertThat(t.stop()).isEqualTo(new ThreadDebugState.Stop("SIGTRAP", 0xffff0ff1L));
            assertThat(s.tasks().get(1).traced()).isFalse();

            assertThat(PtraceState.read(s.write())).isEqualTo(s);
            Path file = dir.resolve("state.properties");
            s.save(file);
            assertThat(PtraceState.load(file)).isEqualTo(s);
        }
    }

    @Test
    void noFileIsTheEmptyStateAndGarbageIsRefused() throws Exception {
        assertThat(PtraceState.load(dir.resolve("none"))).isEqualTo(PtraceState.EMPTY);
        assertThat(PtraceState.read(PtraceState.EMPTY.write())).isEqualTo(PtraceState.EMPTY);
        Path bad = dir.resolve("bad");
        Files.writeString(bad, "format=1\ntasks=1\ntask.1.traced=true\n");
        assertThatThrownBy(() -> PtraceState.load(bad)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void logLinesWithSpecialCharactersSurvive() {
        List<PtraceState.Dr> drs = Arrays.asList(new PtraceState.Dr[4]);
        PtraceState s = new PtraceState(List.of(new PtraceState.TaskState(7, true, drs, 0, 0x4000, null,
                List.of("DR0 (bp 3) preempted DEBUGGER_CLAIM", "a=b, c:d \\ e"))));
        assertThat(PtraceState.read(s.write())).isEqualTo(s);
    }

    /** The core "restarts" for this client: its service is closed, a new one comes on the same core. */
    @Test
    void coreRestartRegistersEverythingAgainAndKeepsTheDebugState() {
        try (PtraceFixture f = new PtraceFixture()) {
            busyTracee(f);
            PtraceState before = f.tracer.snapshot();
            f.bps.close();
            assertThat(f.bps.isUsed()).isFalse();

            BreakpointServiceImpl bps2 = new BreakpointServiceImpl(f.core, PtraceFixture.BUNDLE);
            MachineImpl machine2 = new MachineImpl(f.core, PtraceFixture.BUNDLE);
            List<String> report = new ArrayList<>();
            Tracer t = Tracer.restore(before, bps2, machine2, report::add);

            assertThat(report).isEmpty();
            assertThat(t.restoreReport()).isEmpty();
            assertThat(t.snapshot()).isEqualTo(before);
            assertThat(t.peekUser(f.task, UserArea.offsetOfName("dr0"))).isEqualTo(VAR);
            assertThat(t.peekUser(f.task, UserArea.offsetOfName("dr6"))).isEqualTo(0xffff0ff1L);
            assertThat(t.waitFor(f.task)).isEqualTo(new ThreadDebugState.Stop("SIGTRAP", 0xffff0ff1L));
            Breakpoint dr0 = t.tracee(f.task).breakpoint(0);
            assertThat(dr0.installedSlot(PtraceFixture.CPU)).isEqualTo(0);
            assertThat(bps2.breakpoints()).extracting(Breakpoint::id).containsExactly(1, 2);

            // The watchpoint fires again, and the next #DB starts a new virtual DR6 (the B1 poked goes).
            f.core.addDebugExceptionListener(PtraceFixture.BUNDLE,
                    (cpu, task, dr6, exception) -> t.userDebugException(task, dr6));
            t.cont(f.task);
            t.pokeUser(f.task, UserArea.offsetOfName("dr6"), 0xffff0ff2L);
            assertThat(f.machine.access(PtraceFixture.CPU, VAR + 2, 2, AccessKind.W, false).trapped()).isTrue();
            assertThat(t.waitFor(f.task)).isEqualTo(new ThreadDebugState.Stop("SIGTRAP", 0xffff0ff1L));
        }
    }

    @Test
    void aSlotTakenMeanwhileIsReportedKeptAndRetried() {
        try (PtraceFixture f = new PtraceFixture()) {
            busyTracee(f);
            PtraceState before = f.tracer.snapshot();
            f.bps.close();
            // Meanwhile another owner fills CPU 1 (the task may run anywhere, so any CPU full is enough).
            BreakpointServiceImpl other = f.other("org.hwbp.other");
            List<Breakpoint> taken = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                taken.add(other.register(BreakpointSpec.onCpu(1, 0xffffffff82000000L + 8 * i, 8, BreakpointSpec.RW),
                        (bp, hit) -> { }));
            }
            BreakpointServiceImpl bps2 = new BreakpointServiceImpl(f.core, PtraceFixture.BUNDLE);
            List<String> report = new ArrayList<>();
            Tracer t = Tracer.restore(before, bps2, new MachineImpl(f.core, PtraceFixture.BUNDLE), report::add);

            assertThat(report).hasSize(2);
            assertThat(report.get(0)).startsWith("ptrace: task 1 dr0 0x601000: not restored: ENOSPC");
            assertThat(report.get(1)).startsWith("ptrace: task 1 dr1 0x601008: not restored: ENOSPC");
            assertThat(t.status(f.task)).contains("DR0 0x601000 len 4 w enabled: not restored: ENOSPC")
                    .contains("DR1 0x601008 len 8 x disabled: not restored: ENOSPC");
            assertThat(t.tasks()).contains("task 1 traced DR7 0xd0101 stopped SIGTRAP dr6=0xffff0ff1, 2 not restored")
                    .contains("restore: task 1 dr0 0x601000: not restored: ENOSPC");
            // Kept: saved again as it was, ids included.
            assertThat(t.snapshot()).isEqualTo(before);

            assertThat(t.retry(f.task)).allMatch(l -> l.contains("not restored: ENOSPC"));
            taken.get(3).unregister();
            assertThat(t.retry(f.task)).containsExactly("dr0 0x601000: restored",
                    "dr1 0x601008: not restored: ENOSPC: " + errnoMessage(bps2, f.task));
            assertThat(t.tracee(f.task).breakpoint(0).spec())
                    .isEqualTo(BreakpointSpec.forTask(f.task, VAR, 4, BreakpointSpec.W).withExcludeKernel(true));
        }
    }

    /** The message the core gives for one more slot of {@code task} on a full CPU 1. */
    private static String errnoMessage(BreakpointServiceImpl bps, int task) {
        try {
            bps.register(BreakpointSpec.forTask(task, VAR + 8, 1, BreakpointSpec.W).withDisabled(true)
                    .withExcludeKernel(true), (bp, hit) -> { });
            throw new AssertionError("registered");
        } catch (HwbpException e) {
            assertThat(e.errno()).isEqualTo(Errno.ENOSPC);
            return e.getMessage().substring("ENOSPC: ".length());
        }
    }

    @Test
    void aTaskThatExitedMeanwhileIsDroppedAndReported() {
        try (PtraceFixture f = new PtraceFixture()) {
            busyTracee(f);
            PtraceState before = f.tracer.snapshot();
            f.bps.close();
            f.machine.exitTask(f.task);
            List<String> report = new ArrayList<>();
            Tracer t = Tracer.restore(before, new BreakpointServiceImpl(f.core, PtraceFixture.BUNDLE),
                    new MachineImpl(f.core, PtraceFixture.BUNDLE), report::add);
            assertThat(report).containsExactly("ptrace: task 1 dropped: ESRCH: task 1 has exited");
            assertThat(t.isTraced(f.task)).isFalse();
            assertThat(t.snapshot()).isEqualTo(PtraceState.EMPTY);
        }
    }

    @Test
    void reRegistrationFollowsTheOldIdsNotTheDrNumbers() {
        try (PtraceFixture f = new PtraceFixture()) {
            f.poke("dr2", 0x602000);
            f.poke("dr0", 0x601000);
            PtraceState before = f.tracer.snapshot();
            f.bps.close();
            BreakpointServiceImpl bps2 = new BreakpointServiceImpl(f.core, PtraceFixture.BUNDLE);
            Tracer t = Tracer.restore(before, bps2, new MachineImpl(f.core, PtraceFixture.BUNDLE), l -> { });
            assertThat(t.tracee(f.task).breakpoint(2).id()).isEqualTo(1);
            assertThat(t.tracee(f.task).breakpoint(0).id()).isEqualTo(2);
            assertThat(t.snapshot()).isEqualTo(before);
        }
    }
}
