package org.hwbp.kvm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_ENABLE;
import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_SINGLESTEP;
import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_USE_HW_BP;

import java.util.ArrayList;
import java.util.List;
import org.hwbp.api.AccessKind;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Errno;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.GuestSession;
import org.hwbp.api.x86.Dr6;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** kvm-client's model against the plain-Java core: exact access counts, DR6 values, the lazy window. */
class KvmTest {
    private static final int CPU = 1;
    private static final long HOST_ADDR = 0x7000;

    private HwBreakpointCore core;
    private BreakpointServiceImpl host;
    private MachineImpl machine;
    private Kvm kvm;
    private int vm;

    @BeforeEach
    void setUp() {
        core = new HwBreakpointCore(4, Policy.LINUX, 1000);
        host = new BreakpointServiceImpl(core, "org.hwbp.other");
        machine = new MachineImpl(core, "org.hwbp.kvm-client");
        kvm = new Kvm(EntryPolicy.TODAY);
        vm = kvm.create(1);
    }

    @AfterEach
    void tearDown() {
        kvm.shutdown();
        machine.close();
        host.close();
    }

    /** "Host active": a CPU-bound breakpoint of another owner on the CPU the vCPU runs on. */
    private void hostActive() {
        host.register(BreakpointSpec.onCpu(CPU, HOST_ADDR, 4, BreakpointSpec.W), (bp, hit) -> { });
        assertThat(machine.registers(CPU).hwBreakpointActive()).isTrue();
    }

    private RunResult run(GuestAccess... accesses) {
        RunResult r = kvm.run(machine, vm, 0, CPU, List.of(accesses));
        assertHostConsistent();
        return r;
    }

    /** After every exit the CPU is the host's again, and its hardware matches the shadows when active. */
    private void assertHostConsistent() {
        assertThat(machine.holder(CPU)).isEqualTo(Holder.HOST);
        DebugRegisters regs = machine.registers(CPU);
        if (regs.hwBreakpointActive()) {
            long[] hw = core.hardware(CPU);
            assertThat(hw[7]).isEqualTo(regs.shadowDr7());
            for (int i = 0; i < 4; i++) {
                assertThat(hw[i]).isEqualTo(regs.shadowAddress(i));
            }
            assertThat(hw[6]).isEqualTo(Dr6.RESET);
        }
    }

    private static void assertCounts(RunResult r, long reads, long writes) {
        assertThat(r.reads()).as("reads of " + r).isEqualTo(reads);
        assertThat(r.writes()).as("writes of " + r).isEqualTo(writes);
    }

    private Vcpu vcpu() {
        return kvm.vcpu(vm, 0);
    }

    /** The guest arms a 4-byte write breakpoint on DR0 itself (first MOV exits and opens the window). */
    private void guestArmsDr0(long addr) {
        assertThat(kvm.movToDr(vm, 0, 0, addr)).isEqualTo("exit dr_access: WONT_EXIT set, re-executed natively");
        assertThat(kvm.movToDr(vm, 0, 7, 0x000D0002L)).isEqualTo("no exit (WONT_EXIT)");
    }

    private void hostDebugger(long a0, long dr7) {
        kvm.setGuestDebug(vm, 0, GUESTDBG_ENABLE | GUESTDBG_USE_HW_BP, new long[] {a0, 0, 0, 0, 0, 0, 0, dr7});
    }

    // ------------------------------------------------------------------ §6.6, VMX column

    @Test
    void rowA_nobodyUsesBreakpoints_noAccessAtAll() {
        RunResult r = run(new GuestAccess(0x5000, 4, AccessKind.W));
        assertThat(r.exit()).isEqualTo("exit hlt");
        assertCounts(r, 0, 0);
    }

    @Test
    void rowB_hostActiveGuestNone_sevenWrites() {
        hostActive();
        assertCounts(run(), 0, 7);
        assertCounts(run(), 0, 7);
    }

    @Test
    void rowC2_thenC1_hostIdle() {
        guestArmsDr0(0x5000);
        assertCounts(run(), 5, 7);
        assertThat(vcpu().switchDbRegs()).isEqualTo(KvmDebugRegs.DEBUGREG_BP_ENABLED);
        assertCounts(run(), 0, 5);
        assertCounts(run(), 0, 5);
    }

    @Test
    void rowC2_thenC1_hostActive() {
        hostActive();
        guestArmsDr0(0x5000);
        assertCounts(run(), 5, 13);
        assertCounts(run(), 0, 11);
    }

    @Test
    void rowD_hostDebuggerHwBp_hostIdleAndActive() {
        hostDebugger(0x401000, 0x402);
        assertCounts(run(), 0, 5);
        hostActive();
        assertCounts(run(), 0, 11);
    }

    @Test
    void rowDPrime_singleStepOnly_noAccess() {
        kvm.setGuestDebug(vm, 0, GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP, new long[8]);
        RunResult r = run();
        assertThat(r.exit()).isEqualTo("exit debug #DB dr6=0xffff4ff0");
        assertCounts(r, 0, 0);
    }

    @Test
    void guestEntryLoadsEffDbAndGuestDr7IntoHardware() {
        hostDebugger(0x401000, 0x402);
        kvm.run(machine, vm, 0, CPU, List.of());
        long[] hw = core.hardware(CPU);
        assertThat(hw[0]).isEqualTo(0x401000);
        assertThat(hw[7]).as("VM exit leaves DR7 = 0x400 and an idle host does not restore").isEqualTo(0x400);
    }

    // ------------------------------------------------------------------ WONT_EXIT

    @Test
    void wontExitWindowLastsExactlyOneEntryExitPair() {
        assertThat(kvm.movToDr(vm, 0, 1, 0x1234)).isEqualTo("exit dr_access: WONT_EXIT set, re-executed natively");
        assertThat(kvm.movToDr(vm, 0, 2, 0x5678)).isEqualTo("no exit (WONT_EXIT)");
        assertThat(kvm.movFromDr(vm, 0, 1)).isEqualTo("no exit (WONT_EXIT) value=0x1234");
        assertThat(vcpu().switchDbRegs()).isEqualTo(KvmDebugRegs.DEBUGREG_WONT_EXIT);

        RunResult window = run();
        assertCounts(window, 5, 7);
        assertThat(vcpu().switchDbRegs()).isZero();
        assertThat(vcpu().db(1)).isEqualTo(0x1234);
        assertThat(vcpu().db(2)).isEqualTo(0x5678);
        assertThat(vcpu().dr6()).isEqualTo(0xFFFF0FF0L);

        // Interception is re-armed: the next access exits again; no DR7 enable bit, so the next run is case (a).
        assertCounts(run(), 0, 0);
        assertThat(kvm.movFromDr(vm, 0, 2))
                .isEqualTo("exit dr_access: WONT_EXIT set, re-executed natively value=0x5678");
    }

    @Test
    void syncReadsBackWhatTheHardwareHeld() {
        kvm.movToDr(vm, 0, 6, 0xFFFFFFFFL);
        run();
        // DR6 ← (v & 0x0001E80F) | fixed-1 bits, loaded at entry and read back at exit.
        assertThat(vcpu().dr6()).isEqualTo(0xFFFF0FF0L | 0xE80FL);
        assertThat(core.hardware(CPU)[6]).as("sync resets DR6 for the host").isEqualTo(0xFFFF0FF0L);
    }

    @Test
    void hostDebuggingDisablesTheWindow_everyAccessIsEmulated() {
        kvm.setGuestDebug(vm, 0, GUESTDBG_ENABLE, new long[8]);
        assertThat(kvm.movToDr(vm, 0, 0, 0x1000)).isEqualTo("exit dr_access emulated");
        assertThat(kvm.movToDr(vm, 0, 0, 0x2000)).isEqualTo("exit dr_access emulated");
        assertThat(vcpu().switchDbRegs()).isZero();
        assertThat(vcpu().effDb(0)).isEqualTo(0x2000);
    }

    // ------------------------------------------------------------------ kvm_set_dr

    @Test
    void setDrMasksAliasesAndGp() {
        kvm.setGuestDebug(vm, 0, GUESTDBG_ENABLE, new long[8]);
        assertThat(kvm.movToDr(vm, 0, 7, 1L << 32)).isEqualTo("exit dr_access #GP injected");
        assertThat(kvm.movToDr(vm, 0, 6, 0xFFFFFFFF00000000L)).isEqualTo("exit dr_access #GP injected");
        assertThat(vcpu().dr7()).isEqualTo(0x400);
        assertThat(vcpu().dr6()).isEqualTo(0xFFFF0FF0L);

        assertThat(kvm.movToDr(vm, 0, 5, 0xFFFFDFFFL)).isEqualTo("exit dr_access emulated");
        assertThat(vcpu().dr7()).as("(v & 0xFFFF2BFF) | 0x400").isEqualTo(0xFFFF0FFFL);
        assertThat(kvm.movToDr(vm, 0, 4, 0)).isEqualTo("exit dr_access emulated");
        assertThat(vcpu().dr6()).isEqualTo(0xFFFF0FF0L);
        assertThat(kvm.movFromDr(vm, 0, 4)).isEqualTo("exit dr_access emulated value=0xffff0ff0");
        assertThat(vcpu().switchDbRegs()).isEqualTo(KvmDebugRegs.DEBUGREG_BP_ENABLED);
    }

    @Test
    void gpInsideTheWindowIsTheGuestsOwn() {
        kvm.movToDr(vm, 0, 0, 0);
        assertThat(kvm.movToDr(vm, 0, 7, 1L << 40)).isEqualTo("no exit (WONT_EXIT): #GP in the guest");
        assertThat(vcpu().dr7()).isEqualTo(0x400);
    }

    @Test
    void resetValues() {
        Vcpu v = vcpu();
        assertThat(v.dr6()).isEqualTo(0xFFFF0FF0L);
        assertThat(v.dr7()).isEqualTo(0x400);
        assertThat(v.vmcsGuestDr7()).isEqualTo(0x400);
        assertThat(v.switchDbRegs()).isZero();
        assertThat(v.guestDebug()).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(v.db(i)).isZero();
            assertThat(v.effDb(i)).isZero();
        }
    }

    // ------------------------------------------------------------------ KVM selftest debug_regs.c

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void selftestInstructionBreakpoint(int i) {
        long[] dr = new long[8];
        dr[i] = 0x401000;
        dr[7] = 0x400 | (1L << (2 * i + 1));
        kvm.setGuestDebug(vm, 0, GUESTDBG_ENABLE | GUESTDBG_USE_HW_BP, dr);
        for (int rep = 0; rep < 2; rep++) {
            RunResult r = run(new GuestAccess(0x400ff0, 1, AccessKind.X), new GuestAccess(0x401000, 1, AccessKind.X));
            assertThat(r.exit()).isEqualTo("exit debug #DB dr6=0x" + Long.toHexString(0xFFFF0FF0L | (1L << i))
                    + " pc=0x401000");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void selftestDataBreakpoint(int i) {
        long[] dr = new long[8];
        dr[i] = 0x402000;
        dr[7] = 0x400 | (1L << (2 * i + 1)) | (0xDL << (16 + 4 * i));
        kvm.setGuestDebug(vm, 0, GUESTDBG_ENABLE | GUESTDBG_USE_HW_BP, dr);
        RunResult r = run(new GuestAccess(0x402000, 4, AccessKind.R), new GuestAccess(0x402000, 4, AccessKind.W));
        assertThat(r.exit()).isEqualTo("exit debug #DB dr6=0x" + Long.toHexString(0xFFFF0FF0L | (1L << i)));
    }

    @Test
    void selftestSingleStepSixTimes() {
        kvm.setGuestDebug(vm, 0, GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP, new long[] {0, 0, 0, 0, 0, 0, 0, 0x400});
        for (int n = 0; n < 6; n++) {
            RunResult r = run(new GuestAccess(0x403000 + n, 1, AccessKind.X));
            assertThat(r.exit()).isEqualTo("exit debug #DB dr6=0xffff4ff0");
            assertCounts(r, 0, 0);
        }
    }

    @Test
    void selftestGeneralDetect() {
        hostDebugger(0, 0x400 | 0x2000);
        assertThat(kvm.movFromDr(vm, 0, 0)).isEqualTo("exit debug #DB dr6=0xffff2ff0");
    }

    @Test
    void guestGeneralDetectIsInjectedAndClearsGd() {
        kvm.setGuestDebug(vm, 0, GUESTDBG_ENABLE, new long[8]);
        kvm.movToDr(vm, 0, 7, 0x2400);
        assertThat(kvm.movToDr(vm, 0, 0, 0x10)).isEqualTo("exit dr_access #DB injected dr6=0xffff2ff0");
        assertThat(vcpu().dr7()).isEqualTo(0x400);
        assertThat(vcpu().db(0)).as("the faulting MOV did not execute").isZero();
    }

    @Test
    void guestOwnBreakpointHitIsReinjectedAndUpdatesVirtualDr6() {
        guestArmsDr0(0x5000);
        RunResult r = run(new GuestAccess(0x4000, 8, AccessKind.W), new GuestAccess(0x5002, 2, AccessKind.W),
                new GuestAccess(0x6000, 1, AccessKind.W));
        assertThat(r.exit()).isEqualTo("exit exception_nmi #DB injected dr6=0xffff0ff1");
        assertThat(vcpu().dr6()).isEqualTo(0xFFFF0FF1L);
    }

    @Test
    void debuggerBreakpointsHideTheGuestsOwn() {
        guestArmsDr0(0x5000);
        run();
        hostDebugger(0x401000, 0x402);
        assertThat(run(new GuestAccess(0x5000, 4, AccessKind.W)).exit()).isEqualTo("exit hlt");
        assertThat(kvm.movFromDr(vm, 0, 0)).as("the guest still reads its own DR0")
                .isEqualTo("exit dr_access emulated value=0x5000");
        kvm.setGuestDebug(vm, 0, 0, new long[8]);
        assertThat(vcpu().effDb(0)).isEqualTo(0x5000);
        assertThat(run(new GuestAccess(0x5000, 4, AccessKind.W)).exit())
                .isEqualTo("exit exception_nmi #DB injected dr6=0xffff0ff1");
    }

    // ------------------------------------------------------------------ host restored after every exit

    @Test
    void hostBreakpointsRestoredAfterEveryExitWhenActive() {
        hostActive();
        List<RunResult> results = new ArrayList<>();
        results.add(run());
        guestArmsDr0(0x7000);
        results.add(run(new GuestAccess(0x7000, 4, AccessKind.W)));
        results.add(run());
        hostDebugger(0x8000, 0x0D0002);
        results.add(run(new GuestAccess(0x8000, 4, AccessKind.W)));
        assertThat(results).allSatisfy(r -> assertThat(r.writes()).isGreaterThanOrEqualTo(7));
        // The host's own breakpoint still fires once the guest is gone.
        assertThat(machine.access(CPU, HOST_ADDR, 4, AccessKind.W, true).trapped()).isTrue();
    }

    // ------------------------------------------------------------------ 2009

    @Test
    void policy2009Counts() {
        kvm.setPolicy(EntryPolicy.LINUX_2009);
        assertCounts(run(), 2, 2);                     // (a)
        hostActive();
        assertCounts(run(), 2, 2);                     // (b)
        kvm.setGuestDebug(vm, 0, GUESTDBG_ENABLE, new long[8]);
        assertThat(kvm.movToDr(vm, 0, 0, 0x5000)).isEqualTo("exit dr_access emulated");
        assertThat(kvm.movToDr(vm, 0, 7, 0x000D0002L)).isEqualTo("exit dr_access emulated");
        assertCounts(run(), 6, 12);                    // (c)
        hostDebugger(0x401000, 0x402);
        assertCounts(run(), 6, 12);                    // (d)
        assertThat(kvm.stats(EntryPolicy.LINUX_2009).entries()).isEqualTo(4);
        assertThat(kvm.stats(EntryPolicy.LINUX_2009).reads()).isEqualTo(16);
        assertThat(kvm.stats(EntryPolicy.LINUX_2009).writes()).isEqualTo(28);
        assertThat(kvm.stats(EntryPolicy.TODAY).entries()).isZero();
    }

    @Test
    void policy2009HasNoLazyWindowAndClosesOpenOnes() {
        kvm.movToDr(vm, 0, 0, 0x5000);
        assertThat(vcpu().switchDbRegs()).isEqualTo(KvmDebugRegs.DEBUGREG_WONT_EXIT);
        kvm.setPolicy(EntryPolicy.LINUX_2009);
        assertThat(vcpu().switchDbRegs()).isZero();
        assertThat(vcpu().effDb(0)).isEqualTo(0x5000);
        assertThat(kvm.movToDr(vm, 0, 1, 0x6000)).isEqualTo("exit dr_access emulated");
        assertThat(kvm.movToDr(vm, 0, 1, 0x6000)).isEqualTo("exit dr_access emulated");
    }

    // ------------------------------------------------------------------ claims

    @Test
    void debuggerHoldsTheCpu_vcpuRunsWithDebugRegistersOff() {
        guestArmsDr0(0x5000);
        DebuggerClaim claim = host.debugger().claimAllCpus();
        try {
            RunResult r = kvm.run(machine, vm, 0, CPU, List.of(new GuestAccess(0x5000, 4, AccessKind.W)));
            assertThat(r.exit()).isEqualTo("exit hlt (debug registers held by the debugger)");
            assertCounts(r, 0, 0);
            assertThat(machine.holder(CPU)).isEqualTo(Holder.DEBUGGER);
            assertThat(vcpu().switchDbRegs()).as("the window waits for a real entry")
                    .isEqualTo(KvmDebugRegs.DEBUGREG_WONT_EXIT);
        } finally {
            claim.release();
        }
        assertThat(run(new GuestAccess(0x5000, 4, AccessKind.W)).exit())
                .isEqualTo("exit exception_nmi #DB injected dr6=0xffff0ff1");
    }

    @Test
    void anotherGuestOnTheCpuIsEbusy() {
        GuestSession other = machine.enterGuest(CPU, 99, 0);
        try {
            assertThatThrownBy(() -> kvm.run(machine, vm, 0, CPU, List.of()))
                    .isInstanceOfSatisfying(HwbpException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));
            assertThat(machine.holder(CPU)).isEqualTo(Holder.guest(99, 0));
        } finally {
            other.close();
        }
    }

    // ------------------------------------------------------------------ ids, errors, lifecycle

    @Test
    void idsAndErrors() {
        assertThat(kvm.create(2)).isEqualTo(2);
        kvm.destroy(2);
        assertThat(kvm.create(1)).as("VM ids are not reused").isEqualTo(3);
        assertThatThrownBy(() -> kvm.destroy(2)).hasMessageStartingWith("ENOENT");
        assertThatThrownBy(() -> kvm.vcpu(vm, 1)).hasMessageStartingWith("ENOENT");
        assertThatThrownBy(() -> kvm.create(0)).hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> kvm.movToDr(vm, 0, 8, 0)).hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> kvm.run(machine, vm, 0, 4, List.of())).hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> GuestAccess.parse("0x10:3:w")).hasMessageStartingWith("EINVAL: bad ACCESS length");
        assertThatThrownBy(() -> GuestAccess.parse("zz:4:w")).hasMessageStartingWith("EINVAL: bad ACCESS address");
        assertThatThrownBy(() -> GuestAccess.parse("0x10:4:q")).hasMessageStartingWith("EINVAL: bad ACCESS kind");
        assertThat(GuestAccess.parse("0x10:4:w")).isEqualTo(new GuestAccess(0x10, 4, AccessKind.W));
    }

    @Test
    void shutdownRefusesFurtherWorkAndLeavesTheHostHolding() {
        hostActive();
        guestArmsDr0(0x5000);
        run();
        kvm.shutdown();
        assertThatThrownBy(() -> kvm.run(machine, vm, 0, CPU, List.of())).hasMessageStartingWith("EBUSY");
        assertHostConsistent();
    }
}
