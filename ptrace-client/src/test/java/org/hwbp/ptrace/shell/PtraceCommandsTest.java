package org.hwbp.ptrace.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.reflect.Parameter;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as Gogo dispatches them, with the core's services bound and unbound as DS would. */
class PtraceCommandsTest {
    static final String BUNDLE = "org.hwbp.ptrace-client";

    HwBreakpointCore core;
    BreakpointServiceImpl bps;
    MachineImpl machine;
    PtraceCommands commands;
    CommandProcessorImpl processor;
    CommandSession session;
    int task;

    @BeforeEach
    void setUp() {
        core = new HwBreakpointCore(4, Policy.LINUX, 1000);
        bps = new BreakpointServiceImpl(core, BUNDLE);
        machine = new MachineImpl(core, BUNDLE);
        commands = new PtraceCommands((Path) null);
        commands.bindBreakpointService(bps);
        commands.bindMachine(machine);
        core.addTaskListener(BUNDLE, commands);
        core.addDebugExceptionListener(BUNDLE, commands);
        processor = new CommandProcessorImpl();
        for (String fn : new String[] {"attach", "detach", "peek", "poke", "cont", "status", "tasks", "retry"}) {
            processor.addCommand("ptrace", commands, fn);
        }
        processor.addCommand("ptrace", new PtraceWaitCommand(commands), "wait");
        session = processor.createSession(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream());
        task = machine.createTask("gdb-target");
        machine.switchTo(0, task);
    }

    @AfterEach
    void tearDown() {
        session.close();
        core.shutdown();
    }

    Object run(String line) throws Exception {
        return session.execute(line);
    }

    static void assertErrno(ThrowingRunnable r, Errno errno) {
        assertThatThrownBy(r::run).isInstanceOf(HwbpException.class)
                .satisfies(e -> assertThat(((HwbpException) e).errno()).isEqualTo(errno));
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aDebuggerSession() throws Exception {
        assertThat(run("ptrace:attach " + task)).isEqualTo("ok");
        assertThat(run("ptrace:poke " + task + " dr0 0x404040")).isEqualTo("0");
        assertThat(run("ptrace:poke " + task + " 904 0xd0001")).isEqualTo("0");
        assertThat(run("ptrace:peek " + task + " dr0")).isEqualTo("0x404040");
        assertThat(run("ptrace:peek " + task + " 0x388")).isEqualTo("0xd0001");
        assertThat(run("ptrace:wait " + task)).isEqualTo("running");
        assertThat(machine.access(0, 0x404042, 2, AccessKind.W, false).trapped()).isTrue();
        assertThat(run("ptrace:wait " + task)).isEqualTo("SIGTRAP dr6=0xffff0ff1");
        assertThat(run("ptrace:peek " + task + " dr6")).isEqualTo("0xffff0ff1");
        assertThat((String) run("ptrace:status " + task)).startsWith("task 1 (gdb-target) on cpu 0, stopped SIGTRAP")
                .contains("DR0 0x404040 len 4 w enabled bp 1 installed cpu 0 slot 0 reserved")
                .contains("DR7 0xd0001 (ptrace_dr7)");
        assertThat(run("ptrace:cont " + task)).isEqualTo("ok");
        assertThat(run("ptrace:wait " + task)).isEqualTo("running");
        assertThat(run("ptrace:detach " + task)).isEqualTo("ok");
        assertThat(bps.isUsed()).isTrue();
        machine.exitTask(task);
        assertThat(bps.isUsed()).isFalse();
        assertErrno(() -> run("ptrace:attach " + task), Errno.ESRCH);
    }

    @Test
    void errorsAreErrnoNamed() throws Exception {
        assertErrno(() -> run("ptrace:attach 42"), Errno.ESRCH);
        assertErrno(() -> run("ptrace:peek " + task + " dr0"), Errno.ESRCH);
        run("ptrace:attach " + task);
        assertErrno(() -> run("ptrace:attach " + task), Errno.EPERM);
        assertErrno(() -> run("ptrace:poke " + task + " dr4 1"), Errno.EIO);
        assertErrno(() -> run("ptrace:peek " + task + " 850"), Errno.EIO);
        assertThatThrownBy(() -> run("ptrace:peek " + task + " dr9")).isInstanceOf(HwbpException.class)
                .hasMessage("EINVAL: ptrace:peek: bad OFFSET 'dr9'");
        assertThatThrownBy(() -> run("ptrace:poke " + task + " dr0 banana")).isInstanceOf(HwbpException.class)
                .hasMessage("EINVAL: ptrace:poke: bad VALUE 'banana'");
        assertThatThrownBy(() -> run("ptrace:poke " + task + " dr0")).isInstanceOf(HwbpException.class)
                .hasMessage("EINVAL: ptrace:poke: missing VALUE (usage: ptrace:poke TASK OFFSET VALUE)");
        assertThatThrownBy(() -> run("ptrace:attach 1 2")).isInstanceOf(HwbpException.class)
                .hasMessage("EINVAL: ptrace:attach: unexpected argument '2' (usage: ptrace:attach TASK)");
        // wait is not Object.wait(), whatever its arguments
        assertThatThrownBy(() -> run("ptrace:wait x1")).isInstanceOf(HwbpException.class)
                .hasMessage("EINVAL: ptrace:wait: bad TASK 'x1'");
        assertThatThrownBy(() -> run("ptrace:wait")).isInstanceOf(HwbpException.class)
                .hasMessage("EINVAL: ptrace:wait: missing TASK (usage: ptrace:wait TASK)");
        assertThatThrownBy(() -> run("ptrace:wait -1")).isInstanceOf(HwbpException.class)
                .hasMessage("EINVAL: ptrace:wait: bad TASK '-1'");
        assertThatThrownBy(() -> run("ptrace:wait 1 2")).isInstanceOf(HwbpException.class)
                .hasMessageStartingWith("EINVAL: ptrace:wait: unexpected argument '2'");
        assertThat(run("ptrace:wait 0x1")).isEqualTo("running");
        assertErrno(() -> run("ptrace:poke " + task + " dr0 0xffffffff81000000"), Errno.EINVAL);
        assertThat(run("ptrace:poke " + task + " dr6 -1")).isEqualTo("0");
        assertThat(run("ptrace:peek " + task + " dr6")).isEqualTo("0xffffffffffffffff");
    }

    @Test
    void withoutTheCoreEveryCommandAnswersEbusyAndNothingLeaks() throws Exception {
        run("ptrace:attach " + task);
        run("ptrace:poke " + task + " dr0 0x404040");
        assertThat(bps.isUsed()).isTrue();
        commands.unbindBreakpointService(bps);
        assertThat(bps.isUsed()).isFalse();
        for (String line : new String[] {"ptrace:attach 1", "ptrace:detach 1", "ptrace:peek 1 dr0",
            "ptrace:poke 1 dr0 0", "ptrace:wait 1", "ptrace:cont 1", "ptrace:status 1"}) {
            assertThatThrownBy(() -> run(line)).isInstanceOf(HwbpException.class)
                    .hasMessage("EBUSY: core unavailable");
        }
        commands.bindBreakpointService(bps);
        // The core is back: the attachment and DR0 came back with it, registered again.
        assertThat(bps.isUsed()).isTrue();
        assertErrno(() -> run("ptrace:attach " + task), Errno.EPERM);
        assertThat(run("ptrace:peek " + task + " dr0")).isEqualTo("0x404040");
        run("ptrace:poke " + task + " dr1 0x404048");
        commands.deactivate();
        assertThat(bps.isUsed()).isFalse();
    }

    @Test
    void theStateSurvivesANewInstanceThroughTheDataFileAndGoesWithIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(PtraceCommands.STATE_FILE);
        PtraceCommands first = new PtraceCommands(file);
        first.bindBreakpointService(bps);
        first.bindMachine(machine);
        first.attach(Integer.toString(task));
        first.poke(Integer.toString(task), "dr0", "0x404040");
        first.poke(Integer.toString(task), "dr7", "0xd0101");
        String status = first.status(Integer.toString(task));
        // Bundle stop (or update): deactivate saves, then the core releases the bundle's service.
        first.deactivate();
        bps.close();
        assertThat(file).exists();
        assertThat(core.isUsed()).isFalse();

        BreakpointServiceImpl bps2 = new BreakpointServiceImpl(core, BUNDLE);
        PtraceCommands second = new PtraceCommands(file);
        second.bindBreakpointService(bps2);
        second.bindMachine(new MachineImpl(core, BUNDLE));
        assertThat(second.status(Integer.toString(task))).isEqualTo(status);
        assertThat(second.tasks()).isEqualTo("task 1 traced DR7 0xd0101 running");
        second.deactivate();

        // Uninstall deletes the data area: a new instance starts empty.
        Files.delete(file);
        PtraceCommands third = new PtraceCommands(file);
        third.bindBreakpointService(new BreakpointServiceImpl(core, BUNDLE));
        third.bindMachine(new MachineImpl(core, BUNDLE));
        assertThat(third.tasks()).isEqualTo("no tasks");
        third.deactivate();
    }

    @Test
    void everyCommandAndParameterHasADescriptor() {
        Method[] methods = Stream.of(PtraceCommands.class, PtraceWaitCommand.class)
                .flatMap(c -> Arrays.stream(c.getDeclaredMethods()))
                .filter(m -> java.lang.reflect.Modifier.isPublic(m.getModifiers()) && m.getReturnType() == String.class)
                .toArray(Method[]::new);
        assertThat(methods).extracting(Method::getName)
                .containsExactlyInAnyOrder("attach", "detach", "peek", "poke", "wait", "cont", "status", "tasks", "retry");
        for (Method m : methods) {
            assertThat(m.getAnnotation(Descriptor.class)).as(m.getName()).isNotNull();
            for (Parameter p : m.getParameters()) {
                assertThat(p.getAnnotation(Descriptor.class)).as(m.getName() + " " + p.getName()).isNotNull();
            }
        }
    }
}
