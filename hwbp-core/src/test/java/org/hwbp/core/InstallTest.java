package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.CoreFixture.Recorder;
import org.hwbp.core.x86.ArchInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * linux-reference.md §3.4 and §1.9: arch_install_hw_breakpoint() / arch_uninstall_hw_breakpoint() and the
 * per-CPU shadows (cpu_dr7, cpu_debugreg[], bp_per_reg[]), hw_breakpoint_active(), hw_breakpoint_restore(),
 * and perf's scheduling of task breakpoints at sched-in/sched-out, with exact debug-register access counts.
 */
class InstallTest {
    private static final long K = CoreFixture.BREAK_VARS;
    private final CoreFixture f = new CoreFixture(4);
    private final DebugRegisters r0 = f.machine.registers(0);

    @AfterEach
    void tearDown() {
        f.assertConsistent();
        f.close();
    }

    private Breakpoint cpuBp(int cpu, long addr, int len, int type) {
        return f.bps.register(BreakpointSpec.onCpu(cpu, addr, len, type), new Recorder());
    }

    /** DR7 as Linux wrote it (bit 10 is reserved-1 on real hardware, so compare without it). */
    private long hwDr7(int cpu) {
        return f.core.hardware(cpu)[7] & ~Dr7.FIXED_1;
    }

    @Test
    void resetState() {
        for (int c = 0; c < 4; c++) {
            long[] hw = f.core.hardware(c);
            assertThat(hw[7]).isEqualTo(0x400);
            assertThat(hw[6]).isEqualTo(Dr6.RESET);
            assertThat(hw[0] | hw[1] | hw[2] | hw[3]).isZero();
            DebugRegisters r = f.machine.registers(c);
            assertThat(r.shadowDr7()).isZero();
            assertThat(r.hwBreakpointActive()).isFalse();
            assertThat(r.reads()).isZero();
            assertThat(r.writes()).isZero();
        }
    }

    @Test
    void installTakesTheLowestFreeSlotWithTwoWritesAndUninstallOneWrite() {
        Breakpoint a = cpuBp(0, K, 4, BreakpointSpec.RW);
        assertThat(a.installedSlot(0)).isZero();
        assertThat(r0.writes()).isEqualTo(2);
        assertThat(r0.reads()).isZero();
        assertThat(r0.shadowDr7()).isEqualTo(0x000F0202L);
        assertThat(hwDr7(0)).isEqualTo(0x000F0202L);
        assertThat(f.core.hardware(0)[0]).isEqualTo(K);
        assertThat(r0.shadowAddress(0)).isEqualTo(K);

        Breakpoint b = cpuBp(0, K + 64, 8, BreakpointSpec.W);
        Breakpoint c = cpuBp(0, 0x40_1003L, 8, BreakpointSpec.X);
        assertThat(b.installedSlot(0)).isEqualTo(1);
        assertThat(c.installedSlot(0)).isEqualTo(2);
        assertThat(r0.shadowDr7()).isEqualTo(0x000F0202L | Dr7.encode(1, ArchInfo.LEN_8, ArchInfo.WRITE)
                | Dr7.encode(2, ArchInfo.LEN_X, ArchInfo.EXECUTE));
        assertThat(r0.writes()).isEqualTo(6);

        a.unregister();
        assertThat(r0.writes()).isEqualTo(7);
        assertThat(r0.shadowDr7()).isEqualTo(Dr7.GE | Dr7.encode(1, ArchInfo.LEN_8, ArchInfo.WRITE)
                | Dr7.encode(2, ArchInfo.LEN_X, ArchInfo.EXECUTE));
        Breakpoint d = cpuBp(0, K + 128, 2, BreakpointSpec.W);
        assertThat(d.installedSlot(0)).as("lowest free slot").isZero();
        Breakpoint e = cpuBp(0, K + 256, 1, BreakpointSpec.W);
        assertThat(e.installedSlot(0)).isEqualTo(3);
        assertThat(f.core.shadow(0).installedCount()).isEqualTo(4);
        assertThat(r0.reads()).isZero();
        // other CPUs untouched
        assertThat(f.machine.registers(1).writes()).isZero();
    }

    @Test
    void uninstallLeavesGeAndTheStaleAddress() {
        Breakpoint a = cpuBp(0, K + 8, 8, BreakpointSpec.RW);
        assertThat(r0.hwBreakpointActive()).isTrue();
        a.unregister();
        assertThat(r0.shadowDr7()).isEqualTo(0x200);
        assertThat(hwDr7(0)).isEqualTo(0x200);
        assertThat(r0.hwBreakpointActive()).isFalse();
        assertThat(f.core.hardware(0)[0]).as("DR0 keeps the stale address").isEqualTo(K + 8);
        assertThat(r0.shadowAddress(0)).as("cpu_debugreg[0] keeps it too").isEqualTo(K + 8);
        assertThat(r0.reads()).isZero();
    }

    @Test
    void hwBreakpointActiveReadsOnlyTheShadow() {
        cpuBp(1, K, 1, BreakpointSpec.W);
        DebugRegisters r1 = f.machine.registers(1);
        long reads = r1.reads();
        // clobber the hardware: active() must not look at it
        r1.write(7, Dr7.FIXED_1);
        assertThat(r1.hwBreakpointActive()).isTrue();
        assertThat(r1.reads()).isEqualTo(reads);
        r1.hwBreakpointRestore();
    }

    @Test
    void hwBreakpointRestoreIsSixWritesNoReads() {
        cpuBp(0, K, 4, BreakpointSpec.RW);
        Breakpoint gone = cpuBp(0, K + 8, 8, BreakpointSpec.W);
        cpuBp(0, K + 16, 2, BreakpointSpec.W);
        gone.unregister();
        // something (a guest, a debugger) left junk in every register
        for (int dr : new int[] {0, 1, 2, 3, 6, 7}) {
            r0.write(dr, 0x1234_5670L + dr);
        }
        long w = r0.writes();
        long rd = r0.reads();
        r0.hwBreakpointRestore();
        assertThat(r0.writes() - w).isEqualTo(6);
        assertThat(r0.reads()).isEqualTo(rd);
        long[] hw = f.core.hardware(0);
        for (int i = 0; i < 4; i++) {
            assertThat(hw[i]).isEqualTo(r0.shadowAddress(i));
        }
        assertThat(hw[1]).as("stale address of slot 1 restored too").isEqualTo(K + 8);
        assertThat(hw[3]).isZero();
        assertThat(hw[6]).isEqualTo(0xFFFF0FF0L);
        assertThat(hw[7] & ~Dr7.FIXED_1).isEqualTo(r0.shadowDr7());
    }

    @Test
    void taskBreakpointsAreInstalledAtSchedInAndRemovedAtSchedOut() {
        int t = f.machine.createTask("t");
        Breakpoint a = f.taskBp(-1, t, 0);
        Breakpoint b = f.taskBp(-1, t, 1);
        Breakpoint onCpu1 = f.taskBp(1, t, 2);
        for (int c = 0; c < 4; c++) {
            assertThat(f.machine.registers(c).writes()).as("not running: not installed").isZero();
        }
        f.machine.switchTo(0, t);
        assertThat(r0.writes()).as("2 writes per install").isEqualTo(4);
        assertThat(a.installedSlot(0)).isZero();
        assertThat(b.installedSlot(0)).isEqualTo(1);
        assertThat(onCpu1.installedSlot(0)).as("bound to CPU 1").isEqualTo(-1);
        f.machine.switchTo(0, t);
        assertThat(r0.writes()).as("same task again: no switch").isEqualTo(4);
        f.machine.switchTo(0, Machine.IDLE);
        assertThat(r0.writes()).as("1 write per uninstall").isEqualTo(6);
        assertThat(r0.shadowDr7()).isEqualTo(Dr7.GE);
        assertThat(r0.reads()).isZero();
        f.machine.switchTo(1, t);
        DebugRegisters r1 = f.machine.registers(1);
        assertThat(r1.writes()).isEqualTo(6);
        assertThat(onCpu1.installedSlot(1)).isEqualTo(2);
        // migration: scheduled out of CPU 1 (3 writes), in on CPU 2 (2 bps, 4 writes)
        f.machine.switchTo(2, t);
        assertThat(r1.writes()).isEqualTo(9);
        assertThat(f.machine.registers(2).writes()).isEqualTo(4);
        assertThat(f.machine.running(1)).isEqualTo(Machine.IDLE);
        assertThat(f.machine.task(t).cpu()).isEqualTo(2);
        // exit: scheduled out
        f.machine.exitTask(t);
        assertThat(f.machine.registers(2).writes()).isEqualTo(6);
        assertThat(f.machine.registers(2).hwBreakpointActive()).isFalse();
    }

    @Test
    void twoTasksWithFourEachAlternateOnOneCpu() {
        int a = f.machine.createTask("a");
        int b = f.machine.createTask("b");
        List<Breakpoint> as = new ArrayList<>();
        List<Breakpoint> bs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            as.add(f.taskBp(0, a, i));
            bs.add(f.taskBp(-1, b, 10 + i));
        }
        f.machine.switchTo(0, a);
        assertThat(r0.writes()).isEqualTo(8);
        f.machine.switchTo(0, b);
        assertThat(r0.writes()).isEqualTo(8 + 4 + 8);
        for (int i = 0; i < 4; i++) {
            assertThat(as.get(i).installedSlot(0)).isEqualTo(-1);
            assertThat(bs.get(i).installedSlot(0)).isEqualTo(i);
            assertThat(f.core.hardware(0)[i]).isEqualTo(CoreFixture.BREAK_VARS + 10 + i);
        }
        f.assertConsistent();
    }

    @Test
    void modifyDisablesAndReEnablesTheEventEvenWhenItFails() {
        // modify_user_hw_breakpoint(): perf_event_disable (pmu->del), check, perf_event_enable if !disabled
        Breakpoint bp = cpuBp(0, K, 4, BreakpointSpec.W);
        long w = r0.writes();
        bp.modify(bp.spec().withAddress(K + 8).withLength(8));
        assertThat(r0.writes() - w).isEqualTo(3);
        assertThat(f.core.hardware(0)[0]).isEqualTo(K + 8);
        assertThat(r0.shadowDr7()).isEqualTo(Dr7.encode(0, ArchInfo.LEN_8, ArchInfo.WRITE));
        CoreFixture.assertErrno(org.hwbp.api.Errno.EINVAL, () -> bp.modify(bp.spec().withAddress(K + 1)));
        assertThat(r0.writes() - w).isEqualTo(6);
        assertThat(bp.installedSlot(0)).isZero();
        assertThat(r0.reads()).isZero();
    }

    @Test
    void disabledBreakpointsAreNotInstalledAndCpuBreakpointsIgnoreScheduling() {
        Breakpoint off = f.bps.register(BreakpointSpec.onCpu(0, K, 1, BreakpointSpec.W).withDisabled(true),
                new Recorder());
        assertThat(off.installedSlot(0)).isEqualTo(-1);
        assertThat(r0.writes()).isZero();
        Breakpoint on = cpuBp(0, K + 1, 1, BreakpointSpec.W);
        assertThat(on.installedSlot(0)).isZero();
        int t = f.machine.createTask("t");
        f.machine.switchTo(0, t);
        f.machine.switchTo(0, Machine.IDLE);
        assertThat(on.installedSlot(0)).isZero();
        assertThat(r0.writes()).isEqualTo(2);
        off.modify(off.spec().withDisabled(false));
        assertThat(off.installedSlot(0)).isEqualTo(1);
    }
}
