package org.hwbp.api.gdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Debian's gdb 13 against {@link TestTarget} through a {@link GdbServer}: what gdb prints is what is asserted.
 * Hits are made by the test while gdb waits in {@code continue}, as a real target's CPUs would make them.
 */
class RealGdbTest {
    /** The one warning gdb prints for any target without an executable (QEMU's and kgdb's alike). */
    private static final String NO_EXECUTABLE = "warning: No executable has been specified and target does not support";

    private TestTarget target;
    private GdbServer server;

    @BeforeEach
    void listen() {
        target = new TestTarget(4);
        server = GdbServer.listen(0, target);
    }

    @AfterEach
    void close() {
        server.close();
    }

    @Test
    void connectsListsThreadsReadsMemoryAndDebugRegisters() throws Exception {
        target.access(1, 0x1000, 4, true, 0xdeadbeefL);
        String out = Gdb.run(server.port(), "info threads", "x/4xb 0x1000", "set breakpoint always-inserted on",
                "hbreak *0xffffffff81000040", "watch *(int *)0x1008",
                // gdb cached the registers when it connected; Z packets do not invalidate them
                "maintenance flush register-cache", "p/x $dr7", "p/x $dr0", "p/x $dr1",
                "x/2xb 0x10", "detach");
        assertThat(out.lines().filter(l -> l.contains("warning")).toList())
                .allMatch(l -> l.startsWith(NO_EXECUTABLE));
        assertThat(out).contains("* 1    Thread 1 (CPU 0)", "  2    Thread 2 (CPU 1)", "  3    Thread 3 (CPU 2)",
                        "  4    Thread 4 (CPU 3)")
                .contains("0x1000:\t0xef\t0xbe\t0xad\t0xde")
                .contains("Hardware assisted breakpoint 1 at 0xffffffff81000040")
                .contains("Hardware watchpoint 2: *(int *)0x1008")
                // slot 0 execute, slot 1 write 4 bytes: what the target's DR7 holds
                .contains("= 0x" + Long.toHexString(0x00d00005L))
                .contains("= 0xffffffff81000040", "= 0x1008")
                .contains("Cannot access memory at address 0x10")
                .contains("[Inferior 1 (Remote target) detached]");
        assertThat(target.dr7()).isZero();
        assertThat(target.detaches.get()).isEqualTo(1);
    }

    @Test
    void aFifthHardwareBreakpointIsRefusedWithGdbsOwnMessage() throws Exception {
        String out = Gdb.run(server.port(), "set breakpoint always-inserted on", "hbreak *0xffffffff81000010",
                "hbreak *0xffffffff81000020", "hbreak *0xffffffff81000030", "hbreak *0xffffffff81000040",
                "hbreak *0xffffffff81000050", "detach");
        assertThat(out).contains("Hardware assisted breakpoint 4 at 0xffffffff81000040")
                .contains("Cannot insert hardware breakpoint 5.\nCould not insert hardware breakpoints:\n"
                        + "You may have requested too many hardware breakpoints/watchpoints.");
        assertThat(target.detaches.get()).isEqualTo(1);
    }

    @Test
    void aWatchpointHitWhileGdbWaitsShowsOldAndNewValue() throws Exception {
        target.access(1, 0x1000, 4, true, 7);
        Gdb gdb = Gdb.start(server.port(), "watch *(int *)0x1000", "continue", "info threads", "detach");
        try {
            awaitResume();
            assertThat(target.access(3, 0x1000, 4, true, 42)).isTrue();
            String out = gdb.await();
            assertThat(out).contains("Hardware watchpoint 1: *(int *)0x1000")
                    .contains("Thread 3 hit Hardware watchpoint 1: *(int *)0x1000\n\nOld value = 7\nNew value = 42")
                    .contains("* 3    Thread 3 (CPU 2)");
        } finally {
            gdb.cleanup();
        }
    }

    @Test
    void readAndAccessWatchpointsAndAHardwareBreakpointReportTheirReason() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "rwatch *(int *)0x2000", "continue", "delete",
                "awatch *(short *)0x2010", "continue", "delete", "hbreak *0xffffffff81000800", "continue",
                "p/x $rip", "detach");
        try {
            awaitResume();
            assertThat(target.access(2, 0x2000, 4, false, 0)).isTrue();
            awaitResume();
            assertThat(target.access(4, 0x2010, 2, true, 5)).isTrue();
            awaitResume();
            assertThat(target.execute(1, 0xffffffff81000800L)).isTrue();
            String out = gdb.await();
            assertThat(out).contains("Thread 2 hit Hardware read watchpoint 1: *(int *)0x2000\n\nValue = 0")
                    .contains("Thread 4 hit Hardware access (read/write) watchpoint 2: *(short *)0x2010\n\n"
                            + "Old value = 0\nNew value = 5")
                    .contains("Thread 1 hit Breakpoint 3, 0xffffffff81000800 in ?? ()")
                    .contains("= 0xffffffff81000800");
        } finally {
            gdb.cleanup();
        }
    }

    @Test
    void monitorCommandsPrintTheirOutputOrTheirError() throws Exception {
        String out = Gdb.run(server.port(), "monitor echo hello from the target", "monitor cpus",
                "monitor frobnicate", "detach");
        assertThat(out).contains("hello from the target\n", "CPU 3: 0 slots used\n")
                .contains("EINVAL: unknown command 'frobnicate'");
        assertThat(target.monitorCommands).containsExactly("echo hello from the target", "cpus", "frobnicate");
    }

    @Test
    void ctrlCInterruptsTheRunningTarget() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "continue", "info threads", "detach");
        try {
            awaitResume();
            gdb.interrupt();
            String out = gdb.await();
            assertThat(out).contains("Thread 1 received signal SIGINT, Interrupt.")
                    .contains("[Inferior 1 (Remote target) detached]");
            assertThat(target.running()).isFalse();
        } finally {
            gdb.cleanup();
        }
    }

    @Test
    void aGdbKilledMidSessionDetachesOnceAndTheNextGdbConnects() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "set breakpoint always-inserted on", "watch *(int *)0x1000",
                "continue");
        try {
            awaitResume();
            assertThat(target.slots()).hasSize(1);
            gdb.kill();
            awaitNoPeer();
            assertThat(target.detaches.get()).isEqualTo(1);
            assertThat(target.slots()).isEmpty();
        } finally {
            gdb.cleanup();
        }
        String out = Gdb.run(server.port(), "info threads", "detach");
        assertThat(out).contains("* 1    Thread 1 (CPU 0)");
        assertThat(target.attaches.get()).isEqualTo(2);
        assertThat(target.detaches.get()).isEqualTo(2);
    }

    @Test
    void aSecondGdbIsRefusedAndTheFirstUndisturbed() throws Exception {
        target.access(1, 0x1000, 4, true, 1);
        Gdb first = Gdb.start(server.port(), "watch *(int *)0x1000", "continue", "detach");
        try {
            awaitResume();
            String second = Gdb.run(server.port(), "info threads");
            assertThat(second).contains("EBUSY: gdb at 127.0.0.1:")
                    .contains("is already connected to this target");
            assertThat(server.peer()).isPresent();
            assertThat(target.access(2, 0x1000, 4, true, 2)).isTrue();
            String out = first.await();
            assertThat(out).contains("Old value = 1\nNew value = 2", "[Inferior 1 (Remote target) detached]");
            assertThat(target.attaches.get()).isEqualTo(1);
        } finally {
            first.cleanup();
        }
    }

    private void awaitResume() throws InterruptedException {
        CountDownLatch latch = target.resumed;
        assertThat(latch.await(Gdb.TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("gdb resumed the target").isTrue();
        target.resumed = new CountDownLatch(1);
        // gdb prints its "Continuing." after sending vCont; the hit must come while it waits
        Thread.sleep(Duration.ofMillis(200).toMillis());
    }

    private void awaitNoPeer() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.peer().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.peer()).isEmpty();
        assertThat(List.of(target.detaches.get() + target.kills.get())).containsExactly(1);
    }
}
