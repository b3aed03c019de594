package org.hwbp.kgdb.osgi;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.GdbServer;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.api.inspect.ResetListener;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.support.Args;
import org.hwbp.kgdb.gdb.KgdbTarget;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code kgdb:listen}: kgdb served to a real gdb over TCP (Linux reaches kgdb over a serial line, kgdboc; the
 * protocol is the same). The server ({@link GdbServer}) runs on threads of its own, so the shell never waits on
 * gdb, and is closed when this bundle stops or is updated: gdb sees the connection close and kgdb's
 * breakpoints are removed, the machine released. The core's services are optional and dynamic, so a paused
 * core gives gdb error replies rather than a closed connection; {@code monitor CMD} runs a shell command through
 * Gogo's CommandProcessor when there is one. A reset of the runtime ({@link ResetListener}) is a reboot: the
 * connection closes and nothing listens, as at boot.
 */
@Component(immediate = true, service = {KgdbListenCommand.class, ResetListener.class}, property = {
    "osgi.command.scope=kgdb",
    "osgi.command.function=listen"
})
public final class KgdbListenCommand implements ResetListener {
    /** How long {@code --wait} waits for gdb's continue. */
    static final long WAIT_SECONDS = 600;
    private static final long WAIT_POLL_MILLIS = 20;

    private final KgdbCommands kgdb;
    private final KgdbTarget target;
    private volatile Machine machine;
    private volatile HwbpRuntime runtime;
    private volatile CommandProcessor processor;
    private GdbServer server;

    @Activate
    public KgdbListenCommand(@Reference KgdbCommands kgdb) {
        this.kgdb = kgdb;
        this.target = new KgdbTarget(kgdb::debugCore, () -> available(machine), () -> available(runtime),
                this::runShellCommand);
        kgdb.setStopSink(target::stopped);
    }

    private static <T> T available(T service) {
        if (service == null) {
            throw new HwbpException(Errno.EBUSY, "core unavailable");
        }
        return service;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindMachine(Machine m) {
        machine = m;
    }

    void unbindMachine(Machine m) {
        if (machine == m) {
            machine = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindHwbpRuntime(HwbpRuntime r) {
        runtime = r;
    }

    void unbindHwbpRuntime(HwbpRuntime r) {
        if (runtime == r) {
            runtime = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindCommandProcessor(CommandProcessor p) {
        processor = p;
    }

    void unbindCommandProcessor(CommandProcessor p) {
        if (processor == p) {
            processor = null;
        }
    }

    /** The bundle stops or is updated: the connection closes, gdb's session ends as a detach. */
    @Deactivate
    synchronized void deactivate() {
        kgdb.setStopSink(null);
        close();
    }

    /**
     * The runtime is reset: a rebooted machine has no kgdb connection. The old machine's services are gone
     * already, so the session's detach finds no core and calls none (the listener's contract).
     */
    @Override
    public synchronized void reset() {
        close();
    }

    private void close() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    @Descriptor("serve kgdb to gdb on 127.0.0.1:PORT (gdb's 'target remote :PORT' enters the debugger); no PORT:"
            + " where it listens and who is connected; --stop: close it (a connected gdb is detached); --wait: then"
            + " wait until a gdb is connected and has let the machine run (its continue), so that a scenario's next"
            + " lines drive the machine under gdb")
    public String listen(
            @Descriptor("stop listening") @Parameter(names = "--stop", absentValue = "false", presentValue = "true")
            boolean stop,
            @Descriptor("wait for gdb's continue (at most " + WAIT_SECONDS + " s)") @Parameter(names = "--wait",
                    absentValue = "false", presentValue = "true") boolean wait,
            @Descriptor("[PORT]") String... args) throws InterruptedException {
        String result = control(stop, wait, args);
        if (!wait) {
            return result;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!gdbLetTheMachineRun()) {
            if (System.nanoTime() > deadline) {
                throw new HwbpException(Errno.EBUSY, "kgdb:listen: no gdb continued within " + WAIT_SECONDS + " s");
            }
            Thread.sleep(WAIT_POLL_MILLIS);
        }
        return result + "\ngdb connected, machine running";
    }

    private synchronized boolean gdbLetTheMachineRun() {
        if (server == null) {
            throw new HwbpException(Errno.ENOENT, "kgdb:listen: no longer listening");
        }
        return target.gdbWaitsWhileRunning() && !kgdb.debugCore().stopped();
    }

    private synchronized String control(boolean stop, boolean wait, String[] args) {
        Args a = new Args("kgdb:listen", args, "[PORT]");
        if (stop) {
            if (a.has(0) || wait) {
                throw new HwbpException(Errno.EINVAL, "kgdb:listen: --stop takes no PORT and no --wait");
            }
            if (server == null) {
                throw new HwbpException(Errno.ENOENT, "kgdb:listen: not listening");
            }
            String was = where(server.address());
            server.close();
            server = null;
            return "stopped listening on " + was;
        }
        if (!a.has(0)) {
            if (server == null) {
                if (wait) {
                    throw new HwbpException(Errno.ENOENT, "kgdb:listen: not listening");
                }
                return "not listening";
            }
            return "listening on " + where(server.address())
                    + server.peer().map(p -> ", gdb connected from " + where(p)).orElse(", no gdb connected");
        }
        int port = a.integer(0);
        if (port < 0 || port > 0xffff) {
            throw new HwbpException(Errno.EINVAL, "kgdb:listen: PORT must be 0..65535: " + port);
        }
        if (server != null) {
            throw new HwbpException(Errno.EBUSY, "kgdb:listen: already listening on " + where(server.address())
                    + " (kgdb:listen --stop first)");
        }
        kgdb.debugCore(); // EBUSY now rather than at gdb's connection when the core is away
        server = GdbServer.listen(port, target);
        return "listening on " + where(server.address());
    }

    /** gdb's {@code monitor CMD}: the command's printed output and its result, as the shell shows them. */
    private String runShellCommand(String command) {
        CommandProcessor p = processor;
        if (p == null) {
            throw new HwbpException(Errno.ENOENT, "no shell to run '" + command + "'");
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        CommandSession session = p.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            Object result = session.execute(command);
            out.flush();
            String printed = buffer.toString(StandardCharsets.UTF_8);
            String value = result == null ? "" : result instanceof CharSequence ? result.toString()
                    : String.valueOf(session.format(result, Converter.INSPECT));
            return printed.isEmpty() || printed.endsWith("\n") ? printed + value : printed + "\n" + value;
        } catch (HwbpException e) {
            throw e;
        } catch (Exception e) {
            throw new HwbpException(Errno.EINVAL, String.valueOf(e.getMessage()));
        } finally {
            session.close();
        }
    }

    private static String where(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
