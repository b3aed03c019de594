package org.hwbp.kvm.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_ENABLE;
import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_USE_HW_BP;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hwbp.api.AccessKind;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hypervisor's state across the kvm client's restart: every VM, vCPU field, statistic and the next VM id. */
class KvmStateTest {
    @TempDir
    Path dir;

    private HwBreakpointCore core;
    private MachineImpl machine;
    private Kvm kvm;

    @BeforeEach
    void setUp() {
        core = new HwBreakpointCore(4, Policy.LINUX, 1000);
        machine = new MachineImpl(core, "org.hwbp.kvm-client");
        kvm = new Kvm(EntryPolicy.TODAY);
    }

    @AfterEach
    void tearDown() {
        machine.close();
        core.shutdown();
    }

    /**
     * Three VMs (the second destroyed), a host debugger on VM 1, an open lazy window on VM 3, some runs, and a
     * guest write into VM 3's memory across a page boundary.
     */
    private void busy() {
        int vm1 = kvm.create(2);
        int vm2 = kvm.create(1);
        int vm3 = kvm.create(1);
        kvm.destroy(vm2);
        long[] debugreg = new long[8];
        debugreg[0] = 0x401000;
        debugreg[7] = 0x402;
        kvm.setGuestDebug(vm1, 1, GUESTDBG_ENABLE | GUESTDBG_USE_HW_BP, debugreg);
        kvm.movToDr(vm1, 0, 7, 0x401);
        kvm.run(machine, vm1, 1, 2, List.of(new GuestAccess(0x401000, 1, AccessKind.X)));
        kvm.movToDr(vm3, 0, 2, 0x5000);
        kvm.run(machine, vm3, 0, 0, List.of(GuestAccess.parse("0x2ffe:4:w=0x11223344")));
    }

    @Test
    void roundTripThroughTextAndFile() throws Exception {
        busy();
        KvmState s = kvm.snapshot(EntryPolicy.TODAY);
        assertThat(s.vms()).extracting(KvmState.VmState::id).containsExactly(1, 3);
        assertThat(s.nextVm()).isEqualTo(4);
        assertThat(s.stats().get(EntryPolicy.TODAY).entries()).isEqualTo(2);
        assertThat(s.vms().get(0).vcpus().get(1).effDb()).containsExactly(0x401000L, 0L, 0L, 0L);
        assertThat(s.vms().get(0).memory()).isEmpty();
        assertThat(s.vms().get(1).memory()).containsOnlyKeys(2L, 3L);

        assertThat(KvmState.read(s.write())).isEqualTo(s);
        Path file = dir.resolve("kvm.properties");
        s.save(file);
        assertThat(KvmState.load(file)).isEqualTo(s);
        assertThat(KvmState.load(dir.resolve("none"))).isNull();
    }

    /** A file the previous kvm-client wrote (format 1, before guest memory was kept): VMs with empty memory. */
    @Test
    void aStateWithoutGuestMemoryIsReadWithEmptyMemory() {
        busy();
        java.util.Properties p = kvm.snapshot(EntryPolicy.TODAY).toProperties();
        p.setProperty("format", "1");
        p.keySet().removeIf(k -> k.toString().matches("vm\\.\\d+\\.pages?(\\..*)?"));
        KvmState old = KvmState.fromProperties(p);
        assertThat(old.vms()).extracting(KvmState.VmState::id).containsExactly(1, 3);
        assertThat(old.vms()).allSatisfy(vm -> assertThat(vm.memory()).isEmpty());
        assertThat(new Kvm(old, EntryPolicy.TODAY).memory(3).read(0x2ffe, 4)).containsOnly(0);
        // format 2 needs its pages
        p.setProperty("format", "2");
        assertThatThrownBy(() -> KvmState.fromProperties(p)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void garbageIsRefused() throws Exception {
        Path bad = dir.resolve("bad");
        Files.writeString(bad, "format=1\npolicy=today\n");
        assertThatThrownBy(() -> KvmState.load(bad)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRestoredHypervisorIsTheSavedOneAndGoesOn() {
        busy();
        KvmState s = kvm.snapshot(EntryPolicy.TODAY);
        kvm.shutdown();
        Kvm next = new Kvm(s, EntryPolicy.TODAY);
        assertThat(next.snapshot(EntryPolicy.TODAY)).isEqualTo(s);
        assertThat(next.create(1)).isEqualTo(4);
        assertThatThrownBy(() -> next.vcpu(2, 0)).hasMessage("ENOENT: no VM 2");
        assertThat(next.memory(3).read(0x2ffc, 8)).containsExactly(0, 0, 0x44, 0x33, 0x22, 0x11, 0, 0);
        // The host debugger's breakpoint on VM 1 vCPU 1 still fires.
        assertThat(next.run(machine, 1, 1, 3, List.of(new GuestAccess(0x401000, 1, AccessKind.X))).toString())
                .startsWith("exit debug #DB dr6=0xffff0ff1 pc=0x401000");
    }

    @Test
    void theSavedPolicyStaysUnlessTheConfigurationChangedMeanwhile() {
        kvm.setPolicy(EntryPolicy.LINUX_2009);
        KvmState s = kvm.snapshot(EntryPolicy.TODAY);
        assertThat(new Kvm(s, EntryPolicy.TODAY).policy()).isEqualTo(EntryPolicy.LINUX_2009);

        kvm.setPolicy(EntryPolicy.TODAY);
        int vm = kvm.create(1);
        kvm.movToDr(vm, 0, 0, 0x10);
        KvmState open = kvm.snapshot(EntryPolicy.TODAY);
        assertThat(open.vms().get(0).vcpus().get(0).switchDbRegs() & KvmDebugRegs.DEBUGREG_WONT_EXIT).isNotZero();
        // Configured 2009 while the client was away: the configuration wins, and 2009 has no lazy window.
        Kvm next = new Kvm(open, EntryPolicy.LINUX_2009);
        assertThat(next.policy()).isEqualTo(EntryPolicy.LINUX_2009);
        assertThat(next.vcpu(vm, 0).switchDbRegs() & KvmDebugRegs.DEBUGREG_WONT_EXIT).isZero();
    }
}
