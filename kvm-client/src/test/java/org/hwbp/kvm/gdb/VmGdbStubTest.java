package org.hwbp.kvm.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.hwbp.api.AccessKind;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.Gdb;
import org.hwbp.api.gdb.GdbServer;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.hwbp.kvm.model.EntryPolicy;
import org.hwbp.kvm.model.GuestAccess;
import org.hwbp.kvm.model.Kvm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Debian's gdb against {@code kvm:gdbstub}'s target on a plain-Java core: what gdb prints is asserted. */
class VmGdbStubTest {
    private HwBreakpointCore core;
    private MachineImpl machine;
    private Kvm kvm;
    private int vm;
    private VmGdbStubs stubs;
    private GdbServer server;

    @BeforeEach
    void setUp() {
        core = new HwBreakpointCore(4, Policy.LINUX, 1000);
        machine = new MachineImpl(core, "org.hwbp.kvm-client");
        kvm = new Kvm(EntryPolicy.TODAY);
        vm = kvm.create(2);
        stubs = new VmGdbStubs();
        server = stubs.open(0, vm, kvm);
    }

    @AfterEach
    void tearDown() {
        stubs.closeAll();
        kvm.shutdown();
        machine.close();
    }

    private String run(int vcpu, int cpu, String... accesses) {
        return kvm.run(machine, vm, vcpu, cpu, java.util.Arrays.stream(accesses).map(GuestAccess::parse).toList())
                .toString();
    }

    @Test
    void oneThreadPerVcpuHardwareBreakpointsAreKvmSetGuestDebugAndAHitStopsTheVcpusThread() throws Exception {
        run(0, 0, "0x2000:4:w=7");
        Gdb gdb = Gdb.start(server.port(), "info threads", "hbreak *0x401000", "watch *(int *)0x2000",
                "continue", "p/x $rip", "continue", "x/4xb 0x2000", "set var *(int *)0x2008 = 0x55667788",
                "detach");
        try {
            awaitResumes(1);
            // gdb inserts the watchpoint first: QEMU's debugreg DR7 = 0x600 | G0, RW0 = write, LEN0 = 4 bytes
            // | G1 (execute, 1 byte)
            assertThat(kvm.vcpu(vm, 1).guestDebug()).isEqualTo(0x20001);
            assertThat(kvm.vcpu(vm, 1).guestDebugDr7()).isEqualTo(0xd060aL);
            assertThat(kvm.vcpu(vm, 1).effDb(0)).isEqualTo(0x2000);
            assertThat(kvm.vcpu(vm, 1).effDb(1)).isEqualTo(0x401000);
            assertThat(run(1, 2, "0x400ff0:1:x", "0x401000:1:x")).startsWith("exit debug #DB dr6=0xffff0ff2 pc=0x401000");
            awaitResumes(2);
            // the step over the breakpoint: the next entry of vCPU 1 traps after one instruction
            assertThat(run(1, 2, "0x401000:1:x")).startsWith("exit debug #DB dr6=0xffff4ff0");
            awaitResumes(3);
            assertThat(run(0, 3, "0x2000:4:w=42")).startsWith("exit debug #DB dr6=0xffff0ff1");
            String out = gdb.await();
            assertThat(out).contains("* 1    Thread 1 (VM " + vm + " vCPU 0)", "  2    Thread 2 (VM " + vm + " vCPU 1)")
                    .contains("Hardware assisted breakpoint 1 at 0x401000")
                    .contains("Thread 2 hit Breakpoint 1, 0x0000000000401000 in ?? ()")
                    .contains("$1 = 0x401000")
                    .contains("Thread 1 hit Hardware watchpoint 2: *(int *)0x2000\n\nOld value = 7\nNew value = 42")
                    .contains("0x2000:\t0x2a\t0x00\t0x00\t0x00")
                    .contains("[Inferior 1 (Remote target) detached]");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\ngdb printed:\n" + gdb.output(), e);
        } finally {
            gdb.cleanup();
        }
        assertThat(kvm.memory(vm).read(0x2008, 4)).containsExactly(0x88, 0x77, 0x66, 0x55);
        assertThat(kvm.vcpu(vm, 0).guestDebug()).isZero();
        assertThat(core.check()).isEmpty();
    }

    @Test
    void whileGdbHoldsTheVmStoppedNoVcpuEntersAndAFifthHardwareBreakpointIsQemusE22() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "set breakpoint always-inserted on", "hbreak *0x1000", "hbreak *0x1010",
                "hbreak *0x1020", "hbreak *0x1030", "hbreak *0x1040", "delete 5", "continue", "shell sleep 3", "detach");
        try {
            awaitResumes(1);
            String out = gdb.output();
            assertThat(out).contains("Hardware assisted breakpoint 4 at 0x1030")
                    .contains("Cannot insert hardware breakpoint 5.\nCould not insert hardware breakpoints:\n"
                            + "You may have requested too many hardware breakpoints/watchpoints.");
            gdb.interrupt();
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (stubs.target(vm).running()) {
                assertThat(System.nanoTime()).isLessThan(end);
                Thread.sleep(20);
            }
            assertThatThrownBy(() -> run(0, 0)).isInstanceOf(HwbpException.class)
                    .hasMessage("EBUSY: VM " + vm + " is stopped by gdb");
            assertThat(gdb.await()).contains("Thread 1 received signal SIGINT, Interrupt.");
        } finally {
            gdb.cleanup();
        }
        assertThat(run(0, 0)).startsWith("exit hlt");
    }

    @Test
    void theVmDestroyedUnderGdbEndsTheSessionWithW() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "awatch *(int *)0x3000", "continue", "info threads");
        try {
            awaitResumes(1);
            kvm.destroy(vm);
            String out = gdb.await();
            assertThat(out).contains("[Inferior 1 (Remote target) exited normally]", "No threads.");
        } finally {
            gdb.cleanup();
        }
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.isOpen()) {
            assertThat(System.nanoTime()).isLessThan(end);
            Thread.sleep(20);
        }
        assertThat(stubs.describe()).isEmpty();
    }

    /** As QEMU's gdbstub goes with the QEMU process: the VM destroyed with no gdb connected closes its stub. */
    @Test
    void theVmDestroyedWithNoGdbConnectedClosesTheStubAndItsPort() throws Exception {
        int port = server.port();
        assertThat(run(0, 0)).startsWith("exit hlt");
        kvm.destroy(vm);
        assertThat(server.isOpen()).isFalse();
        assertThat(stubs.describe()).isEmpty();
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            throw new AssertionError("port " + port + " still accepts connections");
        } catch (java.net.ConnectException expected) {
            // refused
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("gdb-listen-" + port));
        // a stub closed by the command lets the VM have another one
        int other = kvm.create(1);
        stubs.open(0, other, kvm);
        stubs.close(other);
        assertThat(stubs.open(0, other, kvm).isOpen()).isTrue();
    }

    @Test
    void aGdbKilledMidSessionLeavesTheVmRunningWithoutGuestDebug() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "set breakpoint always-inserted on", "hbreak *0x1000", "continue");
        try {
            awaitResumes(1);
            assertThat(kvm.vcpu(vm, 0).guestDebug()).isEqualTo(0x20001);
            gdb.kill();
        } finally {
            gdb.cleanup();
        }
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.peer().isPresent() || kvm.vcpu(vm, 0).guestDebug() != 0) {
            assertThat(System.nanoTime()).isLessThan(end);
            Thread.sleep(20);
        }
        assertThat(run(0, 1, "0x1000:1:x")).startsWith("exit hlt");
        String out = Gdb.run(server.port(), "info threads", "detach");
        assertThat(out).contains("* 1    Thread 1 (VM " + vm + " vCPU 0)");
    }

    /** What a stop or update of kvm-client does under gdb: the stubs close, then the hypervisor shuts down. */
    @Test
    void theClientGoingAwayUnderGdbClosesTheConnectionAndLeavesNoThread() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "set breakpoint always-inserted on", "hbreak *0x1000", "continue");
        try {
            awaitResumes(1);
            stubs.closeAll();
            kvm.shutdown();
            assertThat(gdb.await()).contains("Remote connection closed");
        } finally {
            gdb.cleanup();
        }
        assertThat(server.isOpen()).isFalse();
        assertThat(core.check()).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("gdb-"));
    }

    private void awaitResumes(long n) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        VmGdbTarget t = stubs.target(vm);
        while (t.resumes() < n || !t.running()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("gdb did not let the VM run (" + n + ")");
            }
            Thread.sleep(20);
        }
    }
}
