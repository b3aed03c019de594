package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Holder;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.GuestSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A vCPU's owner (the kvm client's bundle) goes away in the middle of a VM entry: the core ends the guest session
 * for it and the host gets its registers back, as KVM's exit path (hw_breakpoint_restore() when
 * hw_breakpoint_active()) would have done. A session the owner ends itself costs nothing more.
 */
class GuestSessionOwnerTest {
    private final CoreFixture f = new CoreFixture(2);

    @AfterEach
    void tearDown() {
        f.close();
    }

    /** What KVM's entry does when the host has active breakpoints, then the guest's own DR7 goes live. */
    private static void enterWithGuestBreakpoint(GuestSession g) {
        DebugRegisters r = g.registers();
        r.write(7, 0x400);
        r.write(0, 0x5000);
        g.vmEntry(0xd0002);
    }

    @Test
    void anAbandonedSessionGivesTheHostItsRegistersBack() {
        f.bps.register(BreakpointSpec.onCpu(1, CoreFixture.BREAK_VARS, 4, BreakpointSpec.W), new CoreFixture.Recorder());
        MachineImpl kvm = new MachineImpl(f.core, "org.hwbp.kvm-client");
        GuestSession g = kvm.enterGuest(1, 1, 0);
        enterWithGuestBreakpoint(g);
        long writes = f.machine.registers(1).writes();

        kvm.close();

        assertThat(f.machine.holder(1)).isEqualTo(Holder.HOST);
        assertThat(f.machine.registers(1).writes() - writes).as("hw_breakpoint_restore()").isEqualTo(6);
        long[] hw = f.core.hardware(1);
        assertThat(hw[0]).isEqualTo(CoreFixture.BREAK_VARS);
        assertThat(hw[7]).isEqualTo(f.core.shadow(1).dr7());
        f.assertConsistent();
    }

    @Test
    void anAbandonedSessionWithoutHostBreakpointsWritesNothing() {
        MachineImpl kvm = new MachineImpl(f.core, "org.hwbp.kvm-client");
        GuestSession g = kvm.enterGuest(0, 1, 0);
        g.vmEntry(0x400);
        long writes = f.machine.registers(0).writes();

        kvm.close();

        assertThat(f.machine.holder(0)).isEqualTo(Holder.HOST);
        assertThat(f.machine.registers(0).writes()).isEqualTo(writes);
    }

    @Test
    void aSessionItsOwnerEndsIsNotRestoredTwice() {
        f.bps.register(BreakpointSpec.onCpu(1, CoreFixture.BREAK_VARS, 4, BreakpointSpec.W), new CoreFixture.Recorder());
        MachineImpl kvm = new MachineImpl(f.core, "org.hwbp.kvm-client");
        GuestSession g = kvm.enterGuest(1, 1, 0);
        enterWithGuestBreakpoint(g);
        g.vmExit();
        g.registers().hwBreakpointRestore();
        long writes = f.machine.registers(1).writes();

        g.close();
        kvm.close();

        assertThat(f.machine.registers(1).writes()).isEqualTo(writes);
        assertThat(f.machine.holder(1)).isEqualTo(Holder.HOST);
        f.assertConsistent();
    }
}
