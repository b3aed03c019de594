package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hwbp.core.CoreFixture.assertErrno;

import java.util.ArrayList;
import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Debugger;
import org.hwbp.api.Errno;
import org.hwbp.api.WideBreakpoint;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.CoreFixture.LockHolder;
import org.hwbp.core.CoreFixture.Recorder;
import org.hwbp.core.CoreFixture.Stub;
import org.hwbp.core.accounting.SlotAccounting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * linux-reference.md §1.4–1.8: the derived quantities of kernel/events/hw_breakpoint.c, the admission rule of
 * __reserve_bp_slot(), the locking and the debugger path, registration/parse/modify order, is_used and the
 * irrelevance of the disabled flag to accounting. Through the public API on 4 CPUs unless the row is about
 * the accounting's internals (then SlotAccounting directly).
 */
class SlotAccountingTest {
    private final CoreFixture f = new CoreFixture(4);
    private int nextVar;

    @AfterEach
    void tearDown() {
        f.assertConsistent();
        f.close();
    }

    private Breakpoint cpu(int c) {
        return f.cpuBp(c, nextVar++);
    }

    private Breakpoint task(int c, int t) {
        return f.taskBp(c, t, nextVar++);
    }

    private void fillCpu(int c, int n) {
        for (int i = 0; i < n; i++) {
            cpu(c);
        }
    }

    private void fillTask(int c, int t, int n) {
        for (int i = 0; i < n; i++) {
            task(c, t);
        }
    }

    @Nested
    class DerivedQuantities {
        @Test
        void cpuBoundCountsTheBusiestTaskEvenIfItNeverRunsThere() {
            int a = f.machine.createTask("a");
            int b = f.machine.createTask("b");
            fillTask(-1, a, 3); // applies to every CPU; never runs anywhere
            task(1, b);
            // CPU 0: cpu_pinned 0 + max_task_bp_pinned(0) 3 → one more fits.
            cpu(0);
            assertErrno(Errno.ENOSPC, () -> cpu(0));
            // CPU 1: max(task a: 3, task b: 1) = 3.
            cpu(1);
            assertErrno(Errno.ENOSPC, () -> cpu(1));
            assertThat(f.core.slotsInUse(0)).isEqualTo(4);
            assertThat(f.core.slotsInUse(2)).isEqualTo(3);
        }

        @Test
        void cpuBoundIgnoresTaskBreakpointsBoundToOtherCpus() {
            int t = f.machine.createTask("t");
            fillTask(1, t, 4);
            fillCpu(0, 4);
            assertErrno(Errno.ENOSPC, () -> cpu(0));
            assertErrno(Errno.ENOSPC, () -> cpu(1));
        }

        @Test
        void taskOnOneCpuIgnoresOtherTasks() {
            int o = f.machine.createTask("o");
            int t = f.machine.createTask("t");
            fillTask(-1, o, 4);
            // cpu_pinned[0] + task_bp_pinned(0, t) = 0: other tasks are ignored.
            fillTask(0, t, 4);
            assertErrno(Errno.ENOSPC, () -> task(0, t));
        }

        @Test
        void taskOnOneCpuCountsCpuBoundAndOwnBreakpointsApplyingThere() {
            int t = f.machine.createTask("t");
            cpu(0);
            task(-1, t); // applies to CPU 0 too
            fillTask(0, t, 2);
            assertErrno(Errno.ENOSPC, () -> task(0, t));
            // CPU 1: no CPU-bound, t has 1 all-CPU → 3 more.
            fillTask(1, t, 3);
            assertErrno(Errno.ENOSPC, () -> task(1, t));
        }

        @Test
        void taskOnAllCpusFastPathUsesTheBusiestCpu() {
            int t = f.machine.createTask("t");
            fillCpu(3, 2); // t never runs on CPU 3
            fillTask(-1, t, 2);
            assertErrno(Errno.ENOSPC, () -> task(-1, t));
        }

        @Test
        void taskOnAllCpusSlowPathTakesTheMaximumPerCpu() {
            int t = f.machine.createTask("t");
            fillTask(0, t, 2);
            fillCpu(1, 2);
            // count(t) + max cpu_pinned would be 2 + 2 = 4 (refusal); the slow path gives max(0+2, 2+0) = 2.
            task(-1, t);
            task(-1, t); // max(0+3, 2+1) = 3
            assertErrno(Errno.ENOSPC, () -> task(-1, t)); // max(0+4, 2+2) = 4
            assertErrno(Errno.ENOSPC, () -> cpu(1)); // 2 + task t on CPU 1 (2) = 4
            assertErrno(Errno.ENOSPC, () -> task(0, t));
            cpu(2); // 0 + t's two all-CPU ones
            cpu(2);
            assertErrno(Errno.ENOSPC, () -> cpu(2));
        }
    }

    @Nested
    class AdmissionRule {
        @Test
        void emptyAndInvalidTypesAreEinvalBeforeTheCapacityCheck() {
            fillCpu(0, 4);
            for (int type : new int[] {BreakpointSpec.EMPTY, BreakpointSpec.INVALID}) {
                assertErrno(Errno.EINVAL,
                        () -> f.bps.register(BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS, 1, type), new Recorder()));
                assertErrno(Errno.EINVAL,
                        () -> f.bps.register(BreakpointSpec.onCpu(1, CoreFixture.BREAK_VARS, 1, type), new Recorder()));
            }
            // R alone is refused by the arch parse, which runs after the reservation: ENOSPC when full.
            assertErrno(Errno.ENOSPC, () -> f.bps.register(
                    BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS, 1, BreakpointSpec.R), new Recorder()));
            assertErrno(Errno.EINVAL, () -> f.bps.register(
                    BreakpointSpec.onCpu(1, CoreFixture.BREAK_VARS, 1, BreakpointSpec.R), new Recorder()));
        }

        @Test
        void instructionAndDataBreakpointsShareOnePoolOfFour() {
            f.bps.register(BreakpointSpec.onCpu(0, 0x40_1000L, 8, BreakpointSpec.X), new Recorder());
            f.bps.register(BreakpointSpec.onCpu(0, 0x40_1001L, 8, BreakpointSpec.X), new Recorder());
            f.bps.register(BreakpointSpec.onCpu(0, CoreFixture.USER_VAR, 4, BreakpointSpec.W), new Recorder());
            f.bps.register(BreakpointSpec.onCpu(0, CoreFixture.USER_VAR, 8, BreakpointSpec.RW), new Recorder());
            assertErrno(Errno.ENOSPC,
                    () -> f.bps.register(BreakpointSpec.onCpu(0, 0x40_2000L, 8, BreakpointSpec.X), new Recorder()));
            assertErrno(Errno.ENOSPC, () -> cpu(0));
        }

        @Test
        void twoTasksCanEachHoldFourOnTheSameCpu() {
            int a = f.machine.createTask("a");
            int b = f.machine.createTask("b");
            fillTask(0, a, 4);
            fillTask(-1, b, 4);
            assertThat(f.core.slotsInUse(0)).isEqualTo(4);
            assertErrno(Errno.ENOSPC, () -> cpu(2)); // b applies everywhere
        }

        @Test
        void cpuWithoutTaskNeedsACpu() {
            // perf_event_alloc(): cpu -1 and no task → EINVAL before any accounting.
            assertErrno(Errno.EINVAL, () -> f.bps.register(
                    new BreakpointSpec(CoreFixture.BREAK_VARS, 1, BreakpointSpec.RW, -1, 0, false, false), new Recorder()));
            assertErrno(Errno.EINVAL, () -> cpu(4));
            assertErrno(Errno.ESRCH, () -> task(-1, 99));
            assertThat(f.bps.isUsed()).isFalse();
        }

        @Test
        void aRefusedRequestConsumesNoIdAndNoSlot() {
            Breakpoint first = cpu(0);
            assertErrno(Errno.EINVAL, () -> f.bps.register(
                    BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS + 1, 4, BreakpointSpec.W), new Recorder()));
            Breakpoint second = cpu(0);
            assertThat(first.id()).isEqualTo(1);
            assertThat(second.id()).isEqualTo(2);
            assertThat(f.core.slotsInUse(0)).isEqualTo(2);
        }
    }

    @Nested
    class LockingAndDebuggerPath {
        /** kgdb's pre-created event: CPU-bound, its slot released with dbg_release_bp_slot. */
        private Breakpoint kgdbEvent(int c) {
            Breakpoint bp = f.bps.register(
                    BreakpointSpec.onCpu(c, CoreFixture.BREAK_VARS + 100 + c, 1, BreakpointSpec.RW).withDisabled(true),
                    new Recorder());
            f.bps.debugger().releaseSlot(bp);
            assertThat(bp.isReserved()).isFalse();
            return bp;
        }

        @Test
        void dbgReserveIsRefusedWithEbusyWhileAnyRegistrationHoldsTheConstraintLockThenSucceeds() throws Exception {
            Debugger dbg = f.bps.debugger();
            Breakpoint bp = kgdbEvent(0);
            int t = f.machine.createTask("t");
            // A task registration in flight read-locks bp_cpuinfo_sem: a CPU bp's dbg path is refused.
            try (LockHolder h = new LockHolder(f.core, -1, t)) {
                assertErrno(Errno.EBUSY, () -> dbg.reserveSlot(bp));
                assertThat(bp.isReserved()).isFalse();
            }
            // A CPU registration in flight write-locks it.
            try (LockHolder h = new LockHolder(f.core, 2, 0)) {
                assertErrno(Errno.EBUSY, () -> dbg.reserveSlot(bp));
            }
            dbg.reserveSlot(bp);
            assertThat(bp.isReserved()).isTrue();
            assertThat(f.core.slotsInUse(0)).isEqualTo(1);
            try (LockHolder h = new LockHolder(f.core, 3, 0)) {
                assertErrno(Errno.EBUSY, () -> dbg.releaseSlot(bp));
                assertThat(bp.isReserved()).isTrue();
            }
            dbg.releaseSlot(bp);
            assertThat(f.core.slotsInUse(0)).isZero();
        }

        @Test
        void dbgReserveReturnsTheAdmissionResultWhenUnlocked() {
            Breakpoint bp = kgdbEvent(0);
            fillCpu(0, 4);
            assertErrno(Errno.ENOSPC, () -> f.bps.debugger().reserveSlot(bp));
            assertThat(bp.isReserved()).isFalse();
        }

        @Test
        void taskBreakpointDbgPathIsRefusedOnlyByItsOwnTaskMutexOrTheWriteLock() throws Exception {
            // bp_constraints_is_locked() for a task bp: write-locked, or that task's perf_event_mutex held.
            SlotAccounting a = new SlotAccounting(4, 4, true);
            Stub mine = new Stub(-1, 1, BreakpointSpec.RW);
            try (LockHolder h = new LockHolder(a, new Stub(-1, 2, BreakpointSpec.RW))) {
                a.dbgReserve(mine); // another task's registration in flight does not matter
            }
            a.dbgRelease(mine);
            try (LockHolder h = new LockHolder(a, new Stub(0, 1, BreakpointSpec.RW))) {
                assertErrno(Errno.EBUSY, () -> a.dbgReserve(mine));
            }
            try (LockHolder h = new LockHolder(a, new Stub(0, 0, BreakpointSpec.RW))) {
                assertErrno(Errno.EBUSY, () -> a.dbgReserve(mine));
            }
            a.dbgReserve(mine);
            assertThat(a.isUsed()).isTrue();
            assertThat(a.verify(List.of(mine))).isEmpty();
        }

        @Test
        void ordinaryRegistrationsWaitForTheLockInsteadOfFailing() throws Exception {
            int t = f.machine.createTask("t");
            List<Breakpoint> got = new ArrayList<>();
            Thread reg;
            try (LockHolder h = new LockHolder(f.core, 1, 0)) {
                reg = new Thread(() -> got.add(task(-1, t)));
                reg.start();
                reg.join(200);
                assertThat(reg.isAlive()).as("registration waits for the write lock").isTrue();
            }
            reg.join(5000);
            assertThat(got).hasSize(1);
        }
    }

    @Nested
    class RegistrationParseModify {
        @Test
        void enospcWinsOverEinvalForANewBreakpoint() {
            fillCpu(0, 4);
            // misaligned, bad length, kernel-excluding: all parse errors, hidden by the full slots
            assertErrno(Errno.ENOSPC, () -> f.bps.register(
                    BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS + 1, 4, BreakpointSpec.W), new Recorder()));
            assertErrno(Errno.ENOSPC, () -> f.bps.register(
                    BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS, 3, BreakpointSpec.W), new Recorder()));
            assertErrno(Errno.ENOSPC, () -> f.bps.register(
                    BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS, 1, BreakpointSpec.W).withExcludeKernel(true),
                    new Recorder()));
            assertErrno(Errno.EINVAL, () -> f.bps.register(
                    BreakpointSpec.onCpu(1, CoreFixture.BREAK_VARS + 1, 4, BreakpointSpec.W), new Recorder()));
            // the parse error released the reservation
            assertThat(f.core.slotsInUse(1)).isZero();
        }

        @Test
        void registerWideIsAllOrNothing() {
            fillCpu(2, 4);
            assertErrno(Errno.ENOSPC, () -> f.bps.registerWide(
                    BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS + 50, 1, BreakpointSpec.W), new Recorder()));
            assertThat(f.core.slotsInUse(0)).isZero();
            assertThat(f.core.slotsInUse(1)).isZero();
            assertThat(f.core.slotsInUse(3)).isZero();
            assertThat(f.bps.breakpoints()).hasSize(4);
            // a parse error is also all-or-nothing (and consumes no id)
            assertErrno(Errno.EINVAL, () -> f.bps.registerWide(
                    BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS + 51, 4, BreakpointSpec.W), new Recorder()));
            f.bps.breakpoints().get(0).unregister();
            WideBreakpoint w = f.bps.registerWide(
                    BreakpointSpec.onCpu(3, CoreFixture.BREAK_VARS + 52, 1, BreakpointSpec.W),
                    new Recorder());
            assertThat(w.id()).isEqualTo(5);
            assertThat(w.perCpu()).hasSize(4);
            for (int c = 0; c < 4; c++) {
                Breakpoint p = w.perCpu().get(c);
                assertThat(p.spec().cpu()).isEqualTo(c);
                assertThat(p.spec().task()).isZero();
                assertThat(p.id()).isEqualTo(5);
                assertThat(p.installedSlot(c)).isGreaterThanOrEqualTo(0);
            }
            assertThat(f.core.slotsInUse(2)).isEqualTo(4);
            f.assertConsistent();
            w.unregister();
            assertThat(f.core.slotsInUse(0)).isZero();
        }

        @Test
        void modifyParseErrorChangesNothingAndKeepsTheOldEnableState() {
            Breakpoint bp = f.bps.register(BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS, 4, BreakpointSpec.W),
                    new Recorder());
            assertThat(bp.installedSlot(0)).isZero();
            BreakpointSpec before = bp.spec();
            assertErrno(Errno.EINVAL, () -> bp.modify(before.withAddress(CoreFixture.BREAK_VARS + 2)));
            assertErrno(Errno.EINVAL, () -> bp.modify(before.withType(BreakpointSpec.R)));
            assertErrno(Errno.EOPNOTSUPP, () -> bp.modify(before.withLength(16)));
            // a failed modify asking to disable does not disable (the old attr.disabled decides)
            assertErrno(Errno.EINVAL, () -> bp.modify(before.withLength(3).withDisabled(true)));
            assertThat(bp.spec()).isEqualTo(before);
            assertThat(bp.installedSlot(0)).isZero();
            assertThat(f.machine.registers(0).read(0)).isEqualTo(CoreFixture.BREAK_VARS);
            assertThat(f.core.slotsInUse(0)).isEqualTo(1);

            Breakpoint off = f.bps.register(
                    BreakpointSpec.onCpu(1, CoreFixture.BREAK_VARS, 4, BreakpointSpec.W).withDisabled(true), new Recorder());
            assertErrno(Errno.EINVAL,
                    () -> off.modify(off.spec().withAddress(CoreFixture.BREAK_VARS + 1).withDisabled(false)));
            assertThat(off.spec().disabled()).isTrue();
            assertThat(off.installedSlot(1)).isEqualTo(-1);
        }

        @Test
        void modifyOfAddressLengthAndTypeNeverFailsOnCapacityAndKeepsTheSlot() {
            List<Breakpoint> four = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                four.add(cpu(0));
            }
            Breakpoint bp = four.get(1);
            bp.modify(BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS + 64, 8, BreakpointSpec.W));
            // type change: release old type, reserve new type — one shared pool on x86, so it fits
            bp.modify(BreakpointSpec.onCpu(0, 0xFFFF_FFFF_8100_1001L, 8, BreakpointSpec.X));
            bp.modify(BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS, 2, BreakpointSpec.RW));
            assertThat(bp.spec().type()).isEqualTo(BreakpointSpec.RW);
            assertThat(bp.spec().length()).isEqualTo(2);
            assertThat(bp.installedSlot(0)).isEqualTo(1);
            assertThat(f.core.slotsInUse(0)).isEqualTo(4);
            // the target fields of the new attributes are ignored
            bp.modify(new BreakpointSpec(CoreFixture.BREAK_VARS, 1, BreakpointSpec.W, 3, 0, false, false));
            assertThat(bp.spec().cpu()).isZero();
            assertThat(f.core.slotsInUse(3)).isZero();
        }

        @Test
        void modifyValidatesWithTheNewAttributesExcludeKernelButKeepsTheOldFlag() {
            // hw_breakpoint_parse(bp, attr, &hw) checks the new attr's exclude_kernel;
            // hw_breakpoint_copy_attr() then copies only addr, type, len and disabled.
            Breakpoint kernel = f.bps.register(BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS, 1, BreakpointSpec.W),
                    new Recorder());
            assertErrno(Errno.EINVAL, () -> kernel.modify(
                    BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS + 8, 1, BreakpointSpec.W).withExcludeKernel(true)));
            assertThat(kernel.spec().address()).isEqualTo(CoreFixture.BREAK_VARS);
            int t = f.machine.createTask("t");
            Breakpoint user = f.bps.register(
                    BreakpointSpec.forTask(t, CoreFixture.USER_VAR, 1, BreakpointSpec.W).withExcludeKernel(true),
                    new Recorder());
            user.modify(BreakpointSpec.forTask(t, CoreFixture.BREAK_VARS, 1, BreakpointSpec.W));
            assertThat(user.spec().address()).isEqualTo(CoreFixture.BREAK_VARS);
            assertThat(user.spec().excludeKernel()).isTrue();
        }

        @Test
        void modifyDisableUninstallsButKeepsTheSlotAndEnableReinstalls() {
            Breakpoint bp = cpu(0);
            long w0 = f.machine.registers(0).writes();
            bp.modify(bp.spec().withDisabled(true));
            assertThat(bp.installedSlot(0)).isEqualTo(-1);
            assertThat(bp.isReserved()).isTrue();
            assertThat(f.core.slotsInUse(0)).isEqualTo(1);
            assertThat(f.machine.registers(0).hwBreakpointActive()).isFalse();
            assertThat(f.machine.registers(0).writes() - w0).isEqualTo(1); // uninstall: DR7
            bp.modify(bp.spec().withDisabled(false));
            assertThat(bp.installedSlot(0)).isZero();
            assertThat(f.machine.registers(0).writes() - w0).isEqualTo(3); // install: DR0, DR7
        }

        @Test
        void modifyTypeChangeFailureRestoresTheOldReservation() {
            // Only observable with separate instruction and data pools (!HAVE_MIXED_BREAKPOINTS_REGS).
            SlotAccounting a = new SlotAccounting(2, 4, false);
            List<Stub> live = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Stub s = new Stub(0, 0, BreakpointSpec.W);
                a.reserve(s);
                live.add(s);
            }
            Stub inst = new Stub(0, 0, BreakpointSpec.X);
            a.reserve(inst);
            live.add(inst);
            assertErrno(Errno.ENOSPC, () -> a.modify(inst, BreakpointSpec.X, BreakpointSpec.W));
            assertThat(a.verify(live)).isEmpty();
            // and the instruction pool still holds it: three more fit, not four
            for (int i = 0; i < 3; i++) {
                Stub s = new Stub(0, 0, BreakpointSpec.X);
                a.reserve(s);
                live.add(s);
            }
            assertErrno(Errno.ENOSPC, () -> a.reserve(new Stub(0, 0, BreakpointSpec.X)));
            assertThat(a.verify(live)).isEmpty();
        }

        @Test
        void unregisterReleasesAndIsIdempotent() {
            Breakpoint bp = cpu(0);
            bp.unregister();
            bp.unregister();
            assertThat(bp.isRegistered()).isFalse();
            assertThat(f.bps.isUsed()).isFalse();
            assertErrno(Errno.ENOENT, () -> bp.modify(bp.spec()));
        }
    }

    @Nested
    class IsUsedAndDisabled {
        @Test
        void isUsedFollowsEveryKindOfReservation() {
            assertThat(f.bps.isUsed()).isFalse();
            int t = f.machine.createTask("t");
            Breakpoint a = task(-1, t); // tsk_pinned_all only
            assertThat(f.bps.isUsed()).isTrue();
            Breakpoint b = task(2, t); // moves t into per-CPU tsk_pinned
            a.unregister();
            assertThat(f.bps.isUsed()).isTrue();
            b.unregister();
            assertThat(f.bps.isUsed()).isFalse();
            Breakpoint c = cpu(3);
            assertThat(f.bps.isUsed()).isTrue();
            c.unregister();
            assertThat(f.bps.isUsed()).isFalse();
        }

        @Test
        void aDisabledBreakpointHoldsItsSlotFromRegistrationToUnregistration() {
            List<Breakpoint> off = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                off.add(f.bps.register(
                        BreakpointSpec.onCpu(0, CoreFixture.BREAK_VARS + i, 1, BreakpointSpec.RW).withDisabled(true),
                        new Recorder()));
            }
            assertThat(f.bps.isUsed()).isTrue();
            assertErrno(Errno.ENOSPC, () -> cpu(0));
            assertThat(f.core.shadow(0).installedCount()).isZero();
            assertThat(f.machine.registers(0).writes()).isZero();
            assertThat(f.core.hardware(0)[7]).isEqualTo(Dr7.RESET);
            off.get(0).unregister();
            cpu(0);
        }
    }
}
