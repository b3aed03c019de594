package org.hwbp.ptrace.gdb;

import java.util.List;
import java.util.function.Function;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.GdbServer;
import org.hwbp.api.gdb.GdbServers;
import org.hwbp.api.machine.Machine;
import org.hwbp.ptrace.model.Tracer;

/**
 * The gdbservers of this client, one per debugged task (as one gdbserver process per inferior): each listens
 * on its own port and serves one {@link TaskGdbTarget}. A server closes when its task exits (gdb got
 * {@code W}; with no gdb connected, as gdbserver exits with its inferior: {@link #taskExited}), when the tracer
 * loses the task (client stopped or updated, core gone: gdb sees the connection close) and on
 * {@link #closeAll()}.
 */
public final class TaskGdbServers {
    private final GdbServers<Integer, TaskGdbTarget> servers = new GdbServers<>("gdbserver", "task");

    /**
     * gdbserver for {@code task} on 127.0.0.1:{@code port}.
     *
     * @param holders one line per CPU naming who holds its debug-register slots ({@code monitor slots})
     * @throws HwbpException ESRCH for a task that does not exist or exited, EBUSY for a task served already or a
     *                       port in use
     */
    public GdbServer open(int port, int task, Tracer tracer, Machine machine, Function<Integer, String> holders) {
        if (!machine.task(task).alive()) {
            throw exited(task);
        }
        GdbServer server = servers.open(task, port, onEnd -> new TaskGdbTarget(tracer, machine, task, holders, onEnd));
        // do_exit() may have run since the check above, its taskExited() before this server was there to be
        // closed: it would go on listening for a task that is gone (a gdb attached meanwhile ends with W instead).
        if (!machine.task(task).alive() && servers.closeIf(task, t -> !t.attached())) {
            throw exited(task);
        }
        return server;
    }

    private static HwbpException exited(int task) {
        return new HwbpException(Errno.ESRCH, "task " + task + " has exited");
    }

    /** The target served for {@code task}, or null. */
    TaskGdbTarget target(int task) {
        return servers.target(task);
    }

    /**
     * The task exited (do_exit): a server no gdb is attached through closes, as gdbserver exits when its
     * inferior does; an attached one ends with {@code W} through the tracer's exit path.
     */
    public void taskExited(int task) {
        servers.closeIf(task, t -> !t.attached());
    }

    /** Closes the server of {@code task} (gdb's session ends as by detach). */
    public void close(int task) {
        servers.close(task);
    }

    /** One line per server: task, address, connected gdb and whether the task runs. */
    public List<String> describe() {
        return servers.describe(t -> t.running() ? ", task running" : ", task stopped");
    }

    /** Every server closed (the client goes away). */
    public void closeAll() {
        servers.closeAll();
    }
}
