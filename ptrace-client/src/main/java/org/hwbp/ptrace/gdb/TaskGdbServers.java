package org.hwbp.ptrace.gdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.GdbServer;
import org.hwbp.api.machine.Machine;
import org.hwbp.ptrace.model.Tracer;

/**
 * The gdbservers of this client, one per debugged task (as one gdbserver process per inferior): each listens
 * on its own port and serves one {@link TaskGdbTarget}. A server closes when its task exits (gdb got
 * {@code W}), when the tracer loses the task (client stopped or updated, core gone: gdb sees the connection
 * close) and on {@link #closeAll()}.
 */
public final class TaskGdbServers {
    private final Map<Integer, GdbServer> servers = new TreeMap<>();
    private final Map<Integer, TaskGdbTarget> targets = new TreeMap<>();

    /**
     * gdbserver for {@code task} on 127.0.0.1:{@code port}.
     *
     * @param holders one line per CPU naming who holds its debug-register slots, told to gdb when a write is
     *                refused for lack of them
     * @throws HwbpException ESRCH for a task that does not exist or exited, EBUSY for a task served already or a
     *                       port in use
     */
    public synchronized GdbServer open(int port, int task, Tracer tracer, Machine machine,
            Function<Integer, String> holders) {
        if (!machine.task(task).alive()) {
            throw new HwbpException(Errno.ESRCH, "task " + task + " has exited");
        }
        if (servers.containsKey(task)) {
            throw new HwbpException(Errno.EBUSY, "task " + task + " is served already by "
                    + servers.get(task));
        }
        GdbServer[] self = new GdbServer[1];
        TaskGdbTarget target = new TaskGdbTarget(tracer, machine, task, holders, () -> closed(task, self[0]));
        GdbServer server = GdbServer.listen(port, target);
        self[0] = server;
        servers.put(task, server);
        targets.put(task, target);
        return server;
    }

    private void closed(int task, GdbServer server) {
        synchronized (this) {
            if (server == null || servers.get(task) != server) {
                return;
            }
            servers.remove(task);
            targets.remove(task);
        }
        server.close();
    }

    /** The target served for {@code task}, or null. */
    synchronized TaskGdbTarget target(int task) {
        return targets.get(task);
    }

    /** Closes the server of {@code task} (gdb's session ends as by detach). */
    public void close(int task) {
        GdbServer s;
        synchronized (this) {
            s = servers.remove(task);
            targets.remove(task);
        }
        if (s == null) {
            throw new HwbpException(Errno.ENOENT, "no gdbserver for task " + task);
        }
        s.close();
    }

    /** One line per server: task, address, connected gdb. */
    public synchronized List<String> describe() {
        List<String> l = new ArrayList<>();
        servers.forEach((task, s) -> l.add("task " + task + ": listening on " + s.address().getAddress()
                .getHostAddress() + ":" + s.port() + s.peer().map(p -> ", gdb connected from "
                + p.getAddress().getHostAddress() + ":" + p.getPort() + (targets.get(task).running()
                ? ", task running" : ", task stopped")).orElse("")));
        return l;
    }

    /** Every server closed (the client goes away). */
    public void closeAll() {
        List<GdbServer> all;
        synchronized (this) {
            all = new ArrayList<>(servers.values());
            servers.clear();
            targets.clear();
        }
        all.forEach(GdbServer::close);
    }
}
