package org.hwbp.ptrace.shell;

import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.api.inspect.ResetListener;
import org.hwbp.api.machine.TaskListener;
import org.hwbp.api.support.Args;
import org.hwbp.ptrace.gdb.SlotHolders;
import org.hwbp.ptrace.gdb.TaskGdbServers;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code ptrace:gdbserver PORT TASK}: a gdbserver for a simulated task, attached through this client's tracer
 * ({@link TaskGdbServers}). {@code ptrace:gdbserver} alone lists the servers, {@code --stop TASK} closes one.
 * Also a {@link TaskListener}, because gdbserver exits with its inferior even when no gdb is connected, and a
 * {@link ResetListener}: after a reset the tasks it serves are gone.
 */
@Component(service = {PtraceGdbserverCommand.class, TaskListener.class, ResetListener.class}, immediate = true,
        property = {
    "osgi.command.scope=ptrace",
    "osgi.command.function=gdbserver"
})
public final class PtraceGdbserverCommand implements TaskListener, ResetListener {
    private final PtraceCommands commands;
    private final TaskGdbServers servers = new TaskGdbServers();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile HwbpRuntime runtime;

    @Activate
    public PtraceGdbserverCommand(@Reference PtraceCommands commands) {
        this.commands = commands;
    }

    /** The client goes away: every gdb sees its connection close. */
    @Deactivate
    void deactivate() {
        servers.closeAll();
    }

    /** do_exit() of a served task: its gdbserver goes (an attached gdb got W from the tracer's exit path). */
    @Override
    public void taskExited(int task) {
        servers.taskExited(task);
    }

    /** The runtime is reset: its tasks are gone, and so are their gdbservers. */
    @Override
    public void reset() {
        servers.closeAll();
    }

    @Descriptor("serve gdb's remote protocol for a task (gdbserver): gdb's hardware watchpoints and breakpoints"
            + " become POKEUSER writes of the task's debug registers")
    public String gdbserver(
            @Descriptor("close the gdbserver of TASK") @Parameter(names = "--stop", absentValue = "false",
                    presentValue = "true") boolean stop,
            @Descriptor("[PORT TASK] | --stop TASK | (none: list)") String... args) {
        if (stop) {
            Args a = new Args("ptrace:gdbserver --stop", args, "TASK");
            servers.close(a.task(0));
            return "ok";
        }
        if (args.length == 0) {
            List<String> l = servers.describe();
            return l.isEmpty() ? "no gdbserver" : String.join("\n", l);
        }
        Args a = new Args("ptrace:gdbserver", args, "PORT", "TASK");
        int port = a.nonNegative(0);
        int task = a.task(1);
        var server = servers.open(port, task, commands.tracer(), commands.machine(), new SlotHolders(() -> runtime));
        return "listening on 127.0.0.1:" + server.port() + " for task " + task;
    }
}
