package org.hwbp.ptrace.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.hwbp.api.AccessKind;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.Gdb;
import org.hwbp.api.gdb.GdbServer;
import org.hwbp.api.gdb.GdbSession;
import org.hwbp.api.gdb.StopEvent;
import org.hwbp.api.machine.Machine;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.hwbp.core.inspect.CoreInspector;
import org.hwbp.ptrace.model.Tracer;
import org.hwbp.ptrace.model.UserArea;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Debian's gdb against {@code ptrace:gdbserver}'s target on a plain-Java core: what gdb prints is asserted. */
class TaskGdbServerTest {
    static final String BUNDLE = "org.hwbp.ptrace-client";
    static final int CPU = 1;

    HwBreakpointCore core;
    MachineImpl machine;
    Tracer tracer;
    TaskGdbServers servers;
    int task;
    GdbServer server;

    @BeforeEach
    void setUp() {
        core = new HwBreakpointCore(4, Policy.LINUX, 1000);
        machine = new MachineImpl(core, BUNDLE);
        tracer = new Tracer(new BreakpointServiceImpl(core, BUNDLE), machine);
        core.addTaskListener(BUNDLE, tracer::taskExited);
        core.addDebugExceptionListener(BUNDLE, (cpu, t, dr6, exception) -> tracer.userDebugException(t, dr6));
        task = machine.createTask("tracee");
        machine.switchTo(CPU, task);
        servers = new TaskGdbServers();
        core.addTaskListener(BUNDLE, servers::taskExited);
        server = servers.open(0, task, tracer, machine, new SlotHolders(() -> new CoreInspector(core)));
    }

    @AfterEach
    void tearDown() {
        servers.closeAll();
        core.shutdown();
    }

    @Test
    void hbreakAndAwatchArePokeuserWritesInGdbsOrderAndHitsStopWithTheirReason() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "info threads", "hbreak *0x401000", "awatch *(int *)0x601000",
                "continue", "p/x $rip", "continue", "maintenance flush register-cache", "p/x $dr7", "p/x $dr0",
                "p/x $dr1", "detach");
        try {
            awaitResumes(1);
            // L0 (execute, 1 byte) + L1, RW1 = 11 (access), LEN1 = 11 (4 bytes) + LE, as gdb encodes it
            assertThat(tracer.peekUser(task, UserArea.debugreg(7))).isEqualTo(0xf00105L);
            machine.access(CPU, 0x401000, 1, AccessKind.X, false);
            awaitResumes(2);
            machine.access(CPU, 0x601000, 4, AccessKind.R, false);
            String out = gdb.await();
            assertThat(out).contains("* 1    Thread " + task)
                    .contains("Hardware assisted breakpoint 1 at 0x401000")
                    .contains("Hardware access (read/write) watchpoint 2: *(int *)0x601000")
                    .contains("\nBreakpoint 1, 0x0000000000401000 in ?? ()")
                    .contains("= 0x401000")
                    .contains("\nHardware access (read/write) watchpoint 2: *(int *)0x601000\n\nValue = 0")
                    // stopped, gdb took its breakpoints out: DR7 keeps only LE; the addresses stay (gdb writes
                    // DR0-3 only for registers in use), the step-over having moved the hbreak to DR1
                    .contains("$2 = 0x100\n$3 = 0x601000\n$4 = 0x401000\n")
                    .contains("[Inferior 1 (Remote target) detached]");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\ngdb printed:\n" + gdb.output(), e);
        } finally {
            gdb.cleanup();
        }
        assertThat(tracer.isTraced(task)).isFalse();
        assertThat(core.check()).isEmpty();
    }

    @Test
    void aRefusedWriteNamesTheSlotHoldersAndIsGdbsCouldNotInsertAndTheMirrorIsRolledBack() throws Exception {
        BreakpointServiceImpl kernel = new BreakpointServiceImpl(core, "org.hwbp.shell");
        for (int i = 0; i < 3; i++) {
            kernel.register(org.hwbp.api.BreakpointSpec.onCpu(CPU, 0xffffffff81000000L + 8 * i, 1,
                    org.hwbp.api.BreakpointSpec.W), (bp, hit) -> { });
        }
        String out = Gdb.run(server.port(), "set breakpoint always-inserted on", "hbreak *0x401000", "hbreak *0x401008",
                "awatch *(int *)0x601000", "delete 2", "maintenance flush register-cache", "p/x $dr7", "p/x $dr0", "monitor slots", "detach");
        String holders = "hwbp: CPU 1 (held by HOST) slots 4 in use: org.hwbp.shell bp 1 (CPU 1 0xffffffff81000000"
                + " len 1 w), org.hwbp.shell bp 2 (CPU 1 0xffffffff81000008 len 1 w), org.hwbp.shell bp 3 (CPU 1"
                + " 0xffffffff81000010 len 1 w), org.hwbp.ptrace-client bp 1 (task 1 0x401000 len 8 x)";
        assertThat(out).contains("Hardware assisted breakpoint 1 at 0x401000")
                .contains("Cannot insert hardware breakpoint 2:Remote failure reply: ENOSPC: no free debug-register"
                        + " slot for task 1 on every CPU: CPU 1 held by bp 1 (org.hwbp.shell, cpu 1), bp 2 (org.hwbp.shell,"
                        + " cpu 1), bp 3 (org.hwbp.shell, cpu 1), bp 1 (org.hwbp.ptrace-client, task 1).\n")
                .contains("Hardware access (read/write) watchpoint 3: *(int *)0x601000")
                .contains("Could not insert hardware watchpoint 3.")
                .contains("$1 = 0x101\n$2 = 0x401000\n")
                .contains(holders + "\n")
                // the holders once in the refusal (the core's ENOSPC), once from monitor slots
                .doesNotContain("; hwbp: CPU");
    }

    @Test
    void aWriteWatchpointShowsOldAndNewValueAndGdbReadsAndWritesTheMachinesMemory() throws Exception {
        machine.access(CPU, 0x601000, 4, AccessKind.W, false, 7);
        Gdb gdb = Gdb.start(server.port(), "watch *(int *)0x601000", "rwatch *(short *)0x601010", "continue",
                "continue", "set var *(int *)0x601020 = 0x11223344", "x/4xb 0x601000", "detach");
        try {
            awaitResumes(1);
            machine.access(CPU, 0x601000, 4, AccessKind.W, false, 42);
            awaitResumes(2);
            machine.access(CPU, 0x601010, 2, AccessKind.R, false);
            String out = gdb.await();
            assertThat(out).contains("Hardware watchpoint 1: *(int *)0x601000\n\nOld value = 7\nNew value = 42")
                    .contains("Hardware read watchpoint 2: *(short *)0x601010\n\nValue = 0")
                    .contains("0x601000:\t0x2a\t0x00\t0x00\t0x00");
            assertThat(machine.readMemory(0x601020, 4)).containsExactly(0x44, 0x33, 0x22, 0x11);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\ngdb printed:\n" + gdb.output(), e);
        } finally {
            gdb.cleanup();
        }
    }

    @Test
    void whileGdbWaitsTheDebuggersClaimAndReleaseOfTheCpusAreConsoleLines() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "awatch *(int *)0x601000", "continue", "detach");
        try {
            awaitResumes(1);
            org.hwbp.api.DebuggerClaim claim = new BreakpointServiceImpl(core, "org.hwbp.kgdb-client").debugger()
                    .claimAllCpus();
            awaitOutput(gdb, "suspended");
            claim.release();
            awaitOutput(gdb, "restored");
            machine.access(CPU, 0x601000, 4, AccessKind.W, false);
            String out = gdb.await();
            assertThat(out).contains("hwbp: CPUs 0-3 claimed by the debugger (kgdb): access watchpoint 0x601000"
                            + " len 4 (task DR0) suspended\n")
                    .contains("hwbp: CPUs 0-3 released: access watchpoint 0x601000 len 4 (task DR0) restored\n")
                    .contains("Hardware access (read/write) watchpoint 1: *(int *)0x601000");
        } finally {
            gdb.cleanup();
        }
    }

    @Test
    void theTaskExitingUnderGdbEndsTheSessionWithWAndClosesTheServer() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "set breakpoint always-inserted on", "awatch *(int *)0x601000",
                "continue", "info threads");
        try {
            awaitResumes(1);
            machine.exitTask(task);
            String out = gdb.await();
            assertThat(out).contains("[Inferior 1 (Remote target) exited normally]")
                    .contains("No threads.");
        } finally {
            gdb.cleanup();
        }
        awaitClosed();
        assertThat(core.check()).isEmpty();
        assertThat(new CoreInspector(core).getBreakpoints()).isEmpty();
    }

    /** gdbserver exits with its inferior even when no gdb is connected: nothing listens on the port any more. */
    @Test
    void theTaskExitingWithNoGdbConnectedClosesTheServerAndItsPort() throws Exception {
        int port = server.port();
        machine.exitTask(task);
        awaitClosed();
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            throw new AssertionError("port " + port + " still accepts connections");
        } catch (java.net.ConnectException expected) {
            // refused
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("gdb-listen-" + port));
    }

    /**
     * The task exits between {@code ptrace:gdbserver}'s check that it lives and the server's start, its exit
     * notification coming before there is a server to close: the command is refused with ESRCH and nothing stays
     * listening for the gone task.
     */
    @Test
    void aTaskExitingWhileItsServerStartsLeavesNoServerListening() throws Exception {
        int other = machine.createTask("short-lived");
        // Told after servers.taskExited (the bundle's listeners are called in order, on its thread).
        CountDownLatch told = new CountDownLatch(1);
        core.addTaskListener(BUNDLE, t -> {
            if (t == other) {
                told.countDown();
            }
        });
        // The machine as the command sees it: the task exits right after its first look at it, and the exit is
        // told before the server starts.
        AtomicBoolean looked = new AtomicBoolean();
        Machine exitingAfterTheCheck = (Machine) Proxy.newProxyInstance(Machine.class.getClassLoader(),
                new Class<?>[] {Machine.class}, (proxy, method, args) -> {
                    Object result = invoke(method, args);
                    if (method.getName().equals("task") && looked.compareAndSet(false, true)) {
                        machine.exitTask(other);
                        assertThat(told.await(30, TimeUnit.SECONDS)).isTrue();
                    }
                    return result;
                });
        assertThatThrownBy(() -> servers.open(0, other, tracer, exitingAfterTheCheck,
                new SlotHolders(() -> new CoreInspector(core))))
                .isInstanceOf(HwbpException.class).hasMessageStartingWith("ESRCH");
        assertThat(servers.describe()).noneMatch(l -> l.contains("task " + other));
        assertThat(servers.target(other)).isNull();
    }

    /**
     * The task exits after gdb's session began its attach but before PTRACE_ATTACH: the server's own exit
     * notice found the session attached and left the server open. The refused attach must close it, as
     * gdbserver exits with its inferior.
     */
    @Test
    void aTaskExitingJustBeforeGdbsAttachClosesItsServer() throws Exception {
        int other = machine.createTask("short-lived");
        AtomicBoolean exited = new AtomicBoolean();
        // The machine as the tracer sees it: the task exits just as PTRACE_ATTACH looks at it.
        Machine exitingAtTheAttach = (Machine) Proxy.newProxyInstance(Machine.class.getClassLoader(),
                new Class<?>[] {Machine.class}, (proxy, method, args) -> {
                    if (method.getName().equals("task") && exited.compareAndSet(false, true)) {
                        machine.exitTask(other);
                    }
                    return invoke(method, args);
                });
        Tracer racing = new Tracer(new BreakpointServiceImpl(core, BUNDLE), exitingAtTheAttach);
        CountDownLatch ended = new CountDownLatch(1);
        TaskGdbTarget target = new TaskGdbTarget(racing, machine, other, cpu -> "", ended::countDown);
        assertThatThrownBy(() -> target.attach(new NoGdb()))
                .isInstanceOf(HwbpException.class).hasMessageStartingWith("ESRCH");
        assertThat(target.attached()).isFalse();
        assertThat(ended.await(5, TimeUnit.SECONDS)).as("the server of the gone task ends").isTrue();
    }

    /** A session that no gdb is connected to (the attach is refused before anything is sent). */
    private static final class NoGdb implements GdbSession {
        @Override
        public InetSocketAddress peer() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        }

        @Override
        public boolean stopped(StopEvent event) {
            return false;
        }

        @Override
        public boolean console(String text) {
            return false;
        }

        @Override
        public boolean isOpen() {
            return true;
        }
    }

    private Object invoke(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(machine, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void aGdbKilledMidSessionDetachesTheTaskWhichRunsOnAndAnotherGdbCanAttach() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "set breakpoint always-inserted on", "awatch *(int *)0x601000",
                "continue");
        try {
            awaitResumes(1);
            gdb.kill();
        } finally {
            gdb.cleanup();
        }
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (tracer.isTraced(task)) {
            assertThat(System.nanoTime()).isLessThan(end);
            Thread.sleep(20);
        }
        // As Linux after gdb's detach: DR7 = 0, the disabled event keeps its slot until the task exits.
        assertThat(machine.task(task).alive()).isTrue();
        assertThat(core.check()).isEmpty();
        tracer.attach(task);
        assertThat(tracer.peekUser(task, UserArea.debugreg(7))).isZero();
        tracer.detach(task);
        String out = Gdb.run(server.port(), "info threads", "detach");
        assertThat(out).contains("* 1    Thread " + task + " (tracee on CPU 1)");
    }

    /**
     * What a stop or update of ptrace-client does under gdb: PtraceCommands drops its tracer (its events
     * released) and the gdbserver command closes its servers; gdb sees the connection close.
     */
    @Test
    void theClientGoingAwayUnderGdbClosesTheConnectionAndLeavesNoSlot() throws Exception {
        Gdb gdb = Gdb.start(server.port(), "set breakpoint always-inserted on", "watch *(int *)0x601000",
                "continue");
        try {
            awaitResumes(1);
            assertThat(new CoreInspector(core).getBreakpoints()).hasSize(1);
            tracer.release();
            servers.closeAll();
            String out = gdb.await();
            assertThat(out).contains("Remote connection closed");
        } finally {
            gdb.cleanup();
        }
        assertThat(server.isOpen()).isFalse();
        assertThat(new CoreInspector(core).getBreakpoints()).isEmpty();
        assertThat(core.check()).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("gdb-"));
    }

    private void awaitOutput(Gdb gdb, String text) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!gdb.output().contains(text)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("gdb never printed " + text + ":\n" + gdb.output());
            }
            Thread.sleep(20);
        }
    }

    private void awaitClosed() throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.isOpen() || !servers.describe().isEmpty()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the gdbserver did not close");
            }
            Thread.sleep(20);
        }
    }

    /** Waits until gdb let the task run the {@code n}th time and waits for its stop. */
    void awaitResumes(long n) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        TaskGdbTarget t = servers.target(task);
        while (t.resumes() < n || !t.running()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("gdb did not let the task run (" + n + ")");
            }
            Thread.sleep(20);
        }
    }
}
