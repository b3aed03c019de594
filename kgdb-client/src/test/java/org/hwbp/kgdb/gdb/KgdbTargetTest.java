package org.hwbp.kgdb.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.BreakpointType;
import org.hwbp.api.gdb.GdbSession;
import org.hwbp.api.gdb.StopEvent;
import org.hwbp.api.gdb.TargetDescription;
import org.hwbp.api.machine.LittleEndian;
import org.hwbp.core.inspect.CoreInspector;
import org.hwbp.kgdb.Fixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** kgdb as gdb's target, on a plain-Java core: entry, registers, memory, breakpoints, stops, the end. */
class KgdbTargetTest {
    private final Fixture f = new Fixture().startKgdb();
    private final List<StopEvent> stops = new CopyOnWriteArrayList<>();
    /** gdb waits for a stop (after c): only then is a stop sent. */
    private volatile boolean waiting;
    private final GdbSession session = new GdbSession() {
        @Override
        public InetSocketAddress peer() {
            return new InetSocketAddress("127.0.0.1", 1);
        }

        @Override
        public boolean stopped(StopEvent event) {
            stops.add(event);
            return waiting;
        }

        @Override
        public boolean console(String text) {
            return false;
        }

        @Override
        public boolean isOpen() {
            return true;
        }
    };
    private final KgdbTarget target = new KgdbTarget(() -> f.kgdb, () -> f.machine, () -> new CoreInspector(f.core),
            command -> "ran " + command);

    KgdbTargetTest() {
        f.kgdb.setStopSink(target::stopped);
    }

    @AfterEach
    void tearDown() {
        assertThat(f.core.check()).isEmpty();
        f.close();
    }

    private boolean everyCpuHeldByTheDebugger() {
        for (int cpu = 0; cpu < 4; cpu++) {
            if (f.core.holder(cpu) != Holder.DEBUGGER) {
                return false;
            }
        }
        return true;
    }

    @Test
    void connectingEntersTheDebuggerAndClearsLeftoverBreakpoints() {
        assertThat(f.packet("Z2," + Long.toHexString(Fixture.DATA) + ",4")).isEqualTo("OK");
        StopEvent first = target.attach(session);
        assertThat(first).isEqualTo(StopEvent.signal(1, 5));
        assertThat(everyCpuHeldByTheDebugger()).isTrue();
        assertThat(f.told).anyMatch(s -> s.startsWith("claimed [0, 1, 2, 3]"));
        assertThat(f.kgdb.entries()).noneMatch(e -> e.enabled());
        assertThat(target.threads()).containsExactly(1, 2, 3, 4);
        assertThat(target.threadInfo(2)).isEqualTo("shadowCPU1 DEBUGGER idle");
        target.detach();
        assertThat(f.core.isUsed()).isFalse();
        assertThat(everyCpuHeldByTheDebugger()).isFalse();
    }

    @Test
    void debugRegistersAreTheHardwareReadWithoutCountingAndGeneralRegistersKeepWhatGdbWrote() {
        f.otherOnCpu(2, Fixture.DATA2, "shell");
        target.attach(session);
        long reads = f.core.registers(2).reads();
        byte[] dr7 = target.readRegister(3, TargetDescription.DR7);
        assertThat(LittleEndian.value(dr7)).isEqualTo(f.hwDr7(2)).isEqualTo(0x400);
        assertThat(LittleEndian.value(target.readRegister(3, TargetDescription.DR0))).isEqualTo(f.hwDr(2, 0));
        assertThat(f.core.registers(2).reads()).as("gdb's reads are no register accesses").isEqualTo(reads);
        assertThat(target.readRegister(1, TargetDescription.RAX)).containsOnly(0);
        target.writeRegister(1, TargetDescription.RAX, LittleEndian.bytes(42, 8));
        assertThat(LittleEndian.value(target.readRegister(1, TargetDescription.RAX))).isEqualTo(42);
        assertThat(target.readRegister(2, TargetDescription.RAX)).containsOnly(0);
        target.writeRegister(3, TargetDescription.DR7, dr7); // unchanged: gdb's G writes everything back
        assertThatThrownBy(() -> target.writeRegister(3, TargetDescription.DR7, LittleEndian.bytes(1, 8)))
                .isInstanceOf(HwbpException.class).hasMessageStartingWith("EPERM");
        assertThatThrownBy(() -> target.readRegister(9, TargetDescription.DR7)).hasMessageStartingWith("ESRCH");
        target.detach();
    }

    @Test
    void memoryIsTheMachinesAndReadsStopAtTheTopOfTheAddressSpace() {
        target.attach(session);
        target.writeMemory(Fixture.DATA, new byte[] {1, 2, 3});
        assertThat(f.machine.readMemory(Fixture.DATA, 4)).containsExactly(1, 2, 3, 0);
        assertThat(target.readMemory(-4, 16)).hasSize(4);
        target.detach();
    }

    @Test
    void aWatchpointHitStopsTheMachineWithItsAddressAndTheNextContinueRestoresTheOthers() {
        f.otherOnCpu(1, Fixture.DATA2, "shell");
        target.attach(session);
        target.insertBreakpoint(BreakpointType.WRITE_WATCHPOINT, Fixture.DATA, 4);
        target.insertBreakpoint(BreakpointType.ACCESS_WATCHPOINT, Fixture.DATA + 8, 8);
        target.insertBreakpoint(BreakpointType.HARDWARE, Fixture.TEXT, 1);
        waiting = true;
        target.resume();
        assertThat(everyCpuHeldByTheDebugger()).isFalse();
        assertThat(f.machine.access(1, Fixture.DATA + 2, 2, AccessKind.W, true, 0x55).trapped()).isTrue();
        assertThat(stops).last().isEqualTo(StopEvent.watchpoint(2, BreakpointType.WRITE_WATCHPOINT, Fixture.DATA));
        assertThat(everyCpuHeldByTheDebugger()).isTrue();
        assertThat(f.told).anyMatch(s -> s.contains("preempted"));
        target.resume();
        assertThat(f.told).anyMatch(s -> s.contains("restored")).last().asString().startsWith("released");
        assertThat(f.machine.access(3, Fixture.DATA + 8, 1, AccessKind.R, true).trapped()).isTrue();
        assertThat(stops).last()
                .isEqualTo(StopEvent.watchpoint(4, BreakpointType.ACCESS_WATCHPOINT, Fixture.DATA + 8));
        target.resume();
        assertThat(f.machine.access(0, Fixture.TEXT, 1, AccessKind.X, true).trapped()).isTrue();
        assertThat(stops).last().isEqualTo(StopEvent.hardwareBreakpoint(1));
        assertThat(LittleEndian.value(target.readRegister(1, TargetDescription.RIP))).isEqualTo(Fixture.TEXT);
        target.detach();
        assertThat(f.kgdb.entries()).noneMatch(e -> e.enabled());
    }

    @Test
    void aFifthBreakpointIsE01AndReadWatchpointsAreLeftToGdbsEmulation() {
        target.attach(session);
        for (int i = 0; i < 4; i++) {
            target.insertBreakpoint(BreakpointType.HARDWARE, Fixture.TEXT + 16 * i, 1);
        }
        assertThatThrownBy(() -> target.insertBreakpoint(BreakpointType.HARDWARE, Fixture.TEXT + 64, 1))
                .isInstanceOf(HwbpException.class).hasMessageStartingWith("EPERM: kgdb: every breakinfo entry");
        assertThat(target.breakpointTypes()).doesNotContain(BreakpointType.READ_WATCHPOINT,
                BreakpointType.SOFTWARE);
        target.removeBreakpoint(BreakpointType.HARDWARE, Fixture.TEXT, 1);
        assertThatThrownBy(() -> target.removeBreakpoint(BreakpointType.HARDWARE, Fixture.TEXT, 1))
                .hasMessageStartingWith("EPERM");
        target.kill();
        assertThat(f.core.isUsed()).isFalse();
    }

    @Test
    void aGdbGoneWhileTheMachineRunsLeavesNothingInstalledOrReserved() {
        target.attach(session);
        target.insertBreakpoint(BreakpointType.WRITE_WATCHPOINT, Fixture.DATA, 4);
        target.resume();
        assertThat(f.kgdb.entries().get(0).installedCpus()).containsExactly(0, 1, 2, 3);
        target.detach();
        assertThat(f.core.isUsed()).isFalse();
        assertThat(f.machine.access(0, Fixture.DATA, 4, AccessKind.W, true).trapped()).isFalse();
        assertThat(everyCpuHeldByTheDebugger()).isFalse();
    }

    @Test
    void kgdbBreakAndAnInterruptAreStopsGdbIsTold() {
        target.attach(session);
        target.resume();
        f.kgdb.breakIn();
        assertThat(stops).last().isEqualTo(StopEvent.signal(1, 5));
        target.resume();
        target.interrupt();
        assertThat(stops).last().isEqualTo(StopEvent.signal(1, StopEvent.SIGINT));
        assertThat(everyCpuHeldByTheDebugger()).isTrue();
        assertThat(target.monitor("hwbp:cpus")).isEqualTo("ran hwbp:cpus");
        assertThat(target.canStep()).isFalse();
        target.detach();
    }
}
