package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Hit;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.api.machine.DebugExceptionListener;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.CoreFixture.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * linux-reference.md §3.5: the #DB flow. exc_debug reads DR6 and resets it to 0xFFFF0FF0 (kernel mode: also
 * local_db_save/local_db_restore around the handler), hw_breakpoint_handler() dispatches per physical slot
 * through bp_per_reg[], consumes Bi, defers an execute breakpoint when BS is set, does not deliver
 * exclude_kernel breakpoints for kernel-mode accesses, and sets RF for execute breakpoints.
 */
class DebugExceptionTest {
    private static final long V = CoreFixture.USER_VAR;
    private final CoreFixture f = new CoreFixture(4);
    private final DebugRegisters r0 = f.machine.registers(0);
    private int t;
    private int other;

    @BeforeEach
    void setUp() {
        t = f.machine.createTask("t");
        other = f.machine.createTask("other");
        f.machine.switchTo(0, t);
    }

    @AfterEach
    void tearDown() {
        f.assertConsistent();
        f.close();
    }

    private Breakpoint userBp(long addr, int len, int type, Recorder h) {
        return f.bps.register(BreakpointSpec.forTask(t, addr, len, type).withExcludeKernel(true), h);
    }

    @Test
    void userModeHitOfATaskWatchpoint() {
        Recorder h = new Recorder();
        Breakpoint bp = userBp(V, 4, BreakpointSpec.W, h);
        long w = r0.writes();
        long rd = r0.reads();
        AccessResult res = f.machine.access(0, V + 2, 1, AccessKind.W, false);
        assertThat(res.trapped()).isTrue();
        assertThat(res.dr6()).as("DR6 as read, architectural polarity").isEqualTo(0xFFFF0FF1L);
        assertThat(res.calls()).hasSize(1);
        assertThat(res.calls().get(0)).startsWith("slot 0: ").contains("triggered").doesNotContain("RF");
        // user-mode #DB: DR6 read and reset, DR7 left alone
        assertThat(r0.reads() - rd).isEqualTo(1);
        assertThat(r0.writes() - w).isEqualTo(1);
        assertThat(f.core.hardware(0)[6]).isEqualTo(Dr6.RESET);
        assertThat(h.hits).hasSize(1);
        Hit hit = h.hits.get(0);
        assertThat(hit.cpu()).isZero();
        assertThat(hit.task()).isEqualTo(t);
        assertThat(hit.address()).isEqualTo(V + 2);
        assertThat(hit.length()).isEqualTo(1);
        assertThat(hit.kind()).isEqualTo(AccessKind.W);
        assertThat(hit.kernelMode()).isFalse();
        assertThat(hit.slot()).isEqualTo(bp.installedSlot(0));
        assertThat(hit.dr6()).as("positive polarity").isEqualTo(0x1);
    }

    @Test
    void kernelModeHitSavesAndRestoresDr7() {
        Recorder h = new Recorder();
        f.bps.register(BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS, 8, BreakpointSpec.RW), h);
        long shadow = r0.shadowDr7();
        long w = r0.writes();
        long rd = r0.reads();
        AccessResult res = f.machine.access(0, CoreFixture.BREAK_VARS + 4, 4, AccessKind.R, true);
        assertThat(res.trapped()).isTrue();
        // local_db_save: read DR7, write 0x400; DR6 read + reset; local_db_restore: write DR7 back
        assertThat(r0.reads() - rd).isEqualTo(2);
        assertThat(r0.writes() - w).isEqualTo(3);
        assertThat(f.core.hardware(0)[7] & ~Dr7.FIXED_1).isEqualTo(shadow);
        assertThat(h.hits).singleElement().satisfies(hit -> {
            assertThat(hit.kernelMode()).isTrue();
            assertThat(hit.task()).isEqualTo(t);
        });
    }

    @Test
    void everyHitBitIsDispatchedInOneExceptionAndConsumed() {
        Recorder h1 = new Recorder();
        Recorder h2 = new Recorder();
        userBp(V, 8, BreakpointSpec.RW, h1);
        userBp(V + 4, 4, BreakpointSpec.W, h2);
        f.bps.register(BreakpointSpec.onCpu(1, V, 8, BreakpointSpec.RW), new Recorder()); // other CPU
        AccessResult res = f.machine.access(0, V + 4, 4, AccessKind.W, false);
        assertThat(res.dr6()).isEqualTo(0xFFFF0FF3L);
        assertThat(res.calls()).hasSize(2);
        assertThat(h1.hits).hasSize(1);
        assertThat(h2.hits).hasSize(1);
        assertThat(h1.hits.get(0).exception()).isEqualTo(h2.hits.get(0).exception());
        assertThat(h1.hits.get(0).dr6()).isEqualTo(0x3);
        assertThat(h1.hits.get(0).slot()).isZero();
        assertThat(h2.hits.get(0).slot()).isEqualTo(1);
        // the next #DB is another exception, and DR6 was reset in between: only B0
        AccessResult next = f.machine.access(0, V, 1, AccessKind.R, false);
        assertThat(next.dr6()).isEqualTo(0xFFFF0FF1L);
        assertThat(h1.hits.get(1).exception()).isNotEqualTo(h1.hits.get(0).exception());
        assertThat(h2.hits).hasSize(1);
    }

    @Test
    void excludeKernelBreakpointIsNotDeliveredOnAKernelModeAccess() {
        Recorder h = new Recorder();
        userBp(V, 4, BreakpointSpec.W, h);
        // the kernel's copy_to_user touching the watched user variable
        AccessResult res = f.machine.access(0, V, 4, AccessKind.W, true);
        assertThat(res.trapped()).isTrue();
        assertThat(res.calls()).singleElement().asString().contains("not delivered");
        assertThat(h.hits).isEmpty();
        f.machine.access(0, V, 4, AccessKind.W, false);
        assertThat(h.hits).hasSize(1);
    }

    @Test
    void executeBreakpointSetsRfAndMatchesOnlyInstructionFetches() {
        Recorder h = new Recorder();
        userBp(0x40_1003L, 8, BreakpointSpec.X, h);
        assertThat(f.machine.access(0, 0x40_1003L, 1, AccessKind.R, false).trapped()).isFalse();
        assertThat(f.machine.access(0, 0x40_1004L, 1, AccessKind.X, false).trapped()).isFalse();
        AccessResult res = f.machine.access(0, 0x40_1003L, 1, AccessKind.X, false);
        assertThat(res.trapped()).isTrue();
        assertThat(res.calls()).singleElement().asString().contains("triggered").endsWith("RF");
        assertThat(h.hits).singleElement().extracting(Hit::kind).isEqualTo(AccessKind.X);
    }

    @Test
    void executeBreakpointIsDeferredWhenSingleStepIsAlsoPending() {
        Recorder x = new Recorder();
        Recorder d = new Recorder();
        userBp(0x40_1000L, 8, BreakpointSpec.X, x);
        userBp(0x40_1000L, 1, BreakpointSpec.RW, d);
        // a single-step trap is pending in DR6 (BS, architectural 0xFFFF4FF0) when the fetch hits slot 0
        r0.write(6, 0xFFFF4FF0L);
        AccessResult res = f.machine.access(0, 0x40_1000L, 1, AccessKind.X, false);
        assertThat(res.dr6()).isEqualTo(0xFFFF4FF1L);
        assertThat(res.calls()).singleElement().asString().startsWith("slot 0: ").contains("deferred");
        assertThat(x.hits).isEmpty();
        // a data breakpoint is not deferred by BS
        r0.write(6, 0xFFFF4FF0L);
        AccessResult data = f.machine.access(0, 0x40_1000L, 1, AccessKind.R, false);
        assertThat(data.calls()).singleElement().asString().startsWith("slot 1: ").contains("triggered");
        assertThat(d.hits).singleElement().extracting(Hit::dr6).isEqualTo(Dr6.BS | 0x2);
    }

    @Test
    void aTrapBitWithoutOwnerIsSkipped() {
        f.machine.switchTo(0, 0);
        Recorder h = new Recorder();
        f.bps.register(BreakpointSpec.onCpu(0, V, 1, BreakpointSpec.W), h);
        // someone else (a guest left it, a debugger) armed slot 2 behind perf's back
        r0.write(2, V);
        r0.write(7, r0.shadowDr7() | Dr7.globalEnable(2) | (0x1L << (16 + 8)));
        AccessResult res = f.machine.access(0, V, 1, AccessKind.W, true);
        assertThat(res.dr6() & Dr6.TRAP_BITS).isEqualTo(0x5);
        assertThat(res.calls()).containsExactly(res.calls().get(0), "slot 2: no owner");
        assertThat(res.calls().get(0)).startsWith("slot 0: ").contains("triggered");
        assertThat(h.hits).hasSize(1);
        r0.hwBreakpointRestore();
    }

    @Test
    void matchingRespectsTypeLengthAlignmentAndTheRunningTask() {
        Recorder h = new Recorder();
        userBp(V + 8, 8, BreakpointSpec.W, h);
        assertThat(f.machine.access(0, V + 8, 8, AccessKind.R, false).trapped()).as("read of a W bp").isFalse();
        assertThat(f.machine.access(0, V + 16, 1, AccessKind.W, false).trapped()).as("just after").isFalse();
        assertThat(f.machine.access(0, V + 7, 1, AccessKind.W, false).trapped()).as("just before").isFalse();
        assertThat(f.machine.access(0, V + 4, 8, AccessKind.W, false).trapped()).as("overlapping").isTrue();
        assertThat(f.machine.access(0, V + 15, 1, AccessKind.W, false).trapped()).as("last byte").isTrue();
        assertThat(h.hits).hasSize(2);
        // another task on the CPU: t's breakpoint is not installed, nothing fires
        f.machine.switchTo(0, other);
        assertThat(f.machine.access(0, V + 8, 1, AccessKind.W, false).trapped()).isFalse();
        // t on CPU 1 now: it fires there
        f.machine.switchTo(1, t);
        assertThat(f.machine.access(1, V + 8, 1, AccessKind.W, false).trapped()).isTrue();
        assertThat(h.hits.get(2).cpu()).isEqualTo(1);
    }

    @Test
    void disabledBreakpointsDoNotFireAndNoTrapCostsNoRegisterAccess() {
        Recorder h = new Recorder();
        f.bps.register(BreakpointSpec.forTask(t, V, 4, BreakpointSpec.RW).withDisabled(true), h);
        long w = r0.writes();
        long rd = r0.reads();
        AccessResult res = f.machine.access(0, V, 4, AccessKind.W, false);
        assertThat(res).isEqualTo(AccessResult.NO_TRAP);
        assertThat(r0.writes()).isEqualTo(w);
        assertThat(r0.reads()).isEqualTo(rd);
        assertThat(h.hits).isEmpty();
    }

    @Test
    void aWriteIsStoredBeforeItsTrapAndAReadReturnsTheBytes() {
        java.util.List<Long> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        f.bps.register(BreakpointSpec.forTask(t, V, 4, BreakpointSpec.W), new Recorder() {
            @Override
            public void triggered(Breakpoint bp, Hit hit) {
                seen.add(org.hwbp.api.machine.LittleEndian.value(f.machine.readMemory(V, 4)));
                super.triggered(bp, hit);
            }
        });
        long w = r0.writes();
        long rd = r0.reads();
        assertThat(f.machine.readMemory(V, 4)).containsOnly(0);
        assertThat(r0.reads()).as("reading memory is no register access").isEqualTo(rd);
        AccessResult res = f.machine.access(0, V, 4, AccessKind.W, false, 0xdeadbeefL);
        assertThat(res.trapped()).isTrue();
        assertThat(res.value()).isEqualTo(0xdeadbeefL);
        assertThat(seen).as("x86 data breakpoints are traps: the handler sees the new value").containsExactly(0xdeadbeefL);
        assertThat(f.machine.readMemory(V, 4)).containsExactly(0xef, 0xbe, 0xad, 0xde);
        long afterTrap = r0.writes();
        f.machine.writeMemory(V + 8, new byte[] {1, 2});
        assertThat(r0.writes()).as("writing memory is no register access").isEqualTo(afterTrap);
        assertThat(f.machine.access(0, V + 8, 2, AccessKind.R, false).value()).isEqualTo(0x0201);
        assertThat(f.machine.access(0, V + 8, 2, AccessKind.W, false).value()).as("a write without a value stores 0")
                .isZero();
        assertThat(f.machine.readMemory(V + 8, 2)).containsOnly(0);
        assertThat(w).isLessThan(afterTrap);
    }

    // ------------------------------------------------------------------ exc_debug_user(): the listeners

    /** A {@link DebugExceptionListener} that writes each call into {@code journal}. */
    private static DebugExceptionListener journaling(List<String> journal) {
        return (cpu, task, dr6, exception) -> journal.add(
                String.format("#DB %d cpu %d task %d dr6 0x%x", exception, cpu, task, dr6));
    }

    @Test
    void aUserModeDebugExceptionIsToldToTheListenersBeforeItsHandlers() {
        List<String> journal = new CopyOnWriteArrayList<>();
        f.core.addDebugExceptionListener("org.hwbp.listener", journaling(journal));
        Recorder h1 = new Recorder(journal, "handler");
        Recorder h2 = new Recorder(journal, "handler");
        Breakpoint b1 = userBp(V, 8, BreakpointSpec.RW, h1);
        Breakpoint b2 = userBp(V + 4, 4, BreakpointSpec.W, h2);
        f.machine.access(0, V + 4, 4, AccessKind.W, false);
        long exception = h1.hits.get(0).exception();
        // once per #DB, not per slot; DR6 as exc_debug() read it, positive polarity
        assertThat(journal).containsExactly(
                String.format("#DB %d cpu 0 task %d dr6 0x3", exception, t),
                "handler triggered " + b1.id(), "handler triggered " + b2.id());
    }

    @Test
    void anotherOwnersCpuBoundHitInUserModeIsToldWithTheRunningTask() {
        List<String> journal = new CopyOnWriteArrayList<>();
        f.core.addDebugExceptionListener("org.hwbp.listener", journaling(journal));
        Recorder h = new Recorder(journal, "cpu-bound");
        Breakpoint bp = f.bps.register(BreakpointSpec.onCpu(0, V, 4, BreakpointSpec.W), h);
        f.machine.access(0, V, 4, AccessKind.W, false);
        assertThat(journal).containsExactly(
                String.format("#DB %d cpu 0 task %d dr6 0x1", h.hits.get(0).exception(), t),
                "cpu-bound triggered " + bp.id());
    }

    @Test
    void kernelModeDebugExceptionsAndMissesAreNotTold() {
        List<String> journal = new CopyOnWriteArrayList<>();
        f.core.addDebugExceptionListener("org.hwbp.listener", journaling(journal));
        Recorder h = new Recorder(journal, "handler");
        // copy_from_user() in the task's context, hitting a perf breakpoint that does not exclude the kernel:
        // exc_debug_kernel(), which leaves the task's virtual_dr6 alone
        Breakpoint bp = f.bps.register(BreakpointSpec.forTask(t, V, 4, BreakpointSpec.RW), h);
        assertThat(f.machine.access(0, V, 4, AccessKind.R, true).trapped()).isTrue();
        assertThat(f.machine.access(0, V + 8, 4, AccessKind.R, false).trapped()).isFalse();
        assertThat(journal).containsExactly("handler triggered " + bp.id());
    }

    @Test
    void aListenerThatThrowsIsLoggedWithItsBundleAndTheHandlersStillRun() {
        String bad = "org.hwbp.faulty.debug-listener";
        DebugExceptionListener l = (cpu, task, dr6, exception) -> {
            throw new IllegalStateException("injected userDebugException");
        };
        f.core.addDebugExceptionListener(bad, l);
        Recorder h = new Recorder();
        userBp(V, 4, BreakpointSpec.W, h);
        f.machine.access(0, V, 4, AccessKind.W, false);
        assertThat(h.hits).hasSize(1);
        assertThat(f.core.events().last(100)).anySatisfy(e -> assertThat(e).contains(" fault ")
                .contains("userDebugException of bundle " + bad).contains("injected"));
        f.core.removeDebugExceptionListener(l);
        List<String> journal = new CopyOnWriteArrayList<>();
        f.core.addDebugExceptionListener("org.hwbp.listener", journaling(journal));
        f.machine.access(0, V, 4, AccessKind.W, false);
        assertThat(journal).hasSize(1);
        assertThat(f.core.events().last(100).stream().filter(e -> e.contains("bundle " + bad))).hasSize(1);
    }
}
