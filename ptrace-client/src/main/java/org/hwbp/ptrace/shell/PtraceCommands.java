package org.hwbp.ptrace.shell;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.DebugExceptionListener;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.machine.TaskListener;
import org.hwbp.api.inspect.ResetListener;
import org.hwbp.api.support.Args;
import org.hwbp.ptrace.model.PtraceState;
import org.hwbp.ptrace.model.ThreadDebugState;
import org.hwbp.ptrace.model.Tracer;
import org.hwbp.ptrace.model.UserArea;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The {@code ptrace:} commands: a debugger's view of the simulated tasks (PTRACE_ATTACH, PTRACE_PEEKUSR,
 * PTRACE_POKEUSR, waitpid, PTRACE_CONT, PTRACE_DETACH). Also the {@link TaskListener} through which the core
 * tells of task exits (do_exit → flush_ptrace_hw_breakpoint) and the {@link DebugExceptionListener} through
 * which it tells of every user-mode #DB (exc_debug_user() resets the task's virtual_dr6, whichever
 * breakpoint fired). {@code ptrace:wait} is a separate component, {@link PtraceWaitCommand}.
 *
 * <p>The core's services are optional and dynamic so that the commands stay registered while the core is
 * stopped (they answer EBUSY then). The tracer lives only while both services are bound; the tasks' debug
 * state outlives it: when either service goes, the state is kept ({@link PtraceState}) and the tracer's events
 * released, and when both are back the state is restored and its events registered again. The state also
 * survives this bundle: it is written to the bundle's data area when the component deactivates (stop, update)
 * and read back when it activates; uninstalling the bundle deletes the data area and so the state. A reset of
 * the runtime ({@link ResetListener}) forgets it: the next machine finds no traced task, as at boot.
 */
@Component(immediate = true, service = {PtraceCommands.class, TaskListener.class, DebugExceptionListener.class,
    ResetListener.class}, property = {
    "osgi.command.scope=ptrace",
    "osgi.command.function=attach",
    "osgi.command.function=detach",
    "osgi.command.function=peek",
    "osgi.command.function=poke",
    "osgi.command.function=cont",
    "osgi.command.function=status",
    "osgi.command.function=tasks",
    "osgi.command.function=retry"
})
public final class PtraceCommands implements TaskListener, DebugExceptionListener, ResetListener {
    /** The state file in the bundle's data area. */
    static final String STATE_FILE = "ptrace-state.properties";

    private final Path stateFile;
    private BreakpointService service;
    private Machine machine;
    private volatile Tracer tracer;
    /** The tasks' state while there is no tracer (before the core is bound, or while it is away). */
    private PtraceState saved;
    private volatile Logger logger;

    @Activate
    public PtraceCommands(BundleContext context) {
        this(dataFile(context));
    }

    /** {@code stateFile} null: nothing is kept across instances. */
    PtraceCommands(Path stateFile) {
        this.stateFile = stateFile;
        this.saved = load();
    }

    private static Path dataFile(BundleContext context) {
        File f = context.getDataFile(STATE_FILE);
        return f == null ? null : f.toPath();
    }

    private PtraceState load() {
        if (stateFile == null) {
            return PtraceState.EMPTY;
        }
        try {
            return PtraceState.load(stateFile);
        } catch (IOException | RuntimeException e) {
            log("ptrace: the saved state in " + stateFile + " cannot be read, starting without it: " + e);
            return PtraceState.EMPTY;
        }
    }

    private void save(PtraceState state) {
        if (stateFile == null) {
            return;
        }
        try {
            state.save(stateFile);
        } catch (IOException e) {
            log("ptrace: saving the state to " + stateFile + " failed, it is lost: " + e);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setLoggerFactory(LoggerFactory factory) {
        logger = factory.getLogger(PtraceCommands.class);
    }

    void unsetLoggerFactory(LoggerFactory factory) {
        logger = null;
    }

    private void log(String message) {
        Logger l = logger;
        if (l != null) {
            l.warn(message);
        } else {
            System.err.println(message);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindBreakpointService(BreakpointService s) {
        dropTracer();
        service = s;
        buildTracer();
    }

    synchronized void unbindBreakpointService(BreakpointService s) {
        if (service == s) {
            dropTracer();
            service = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindMachine(Machine m) {
        dropTracer();
        machine = m;
        buildTracer();
    }

    synchronized void unbindMachine(Machine m) {
        if (machine == m) {
            dropTracer();
            machine = null;
        }
    }

    /** Both services are there: the saved state comes back and its events are registered again. */
    private void buildTracer() {
        if (service != null && machine != null) {
            tracer = Tracer.restore(saved, service, machine, this::log);
            saved = null;
        }
    }

    /**
     * A service goes: the state is kept, the events released (the core may have released them already, with
     * the service; unregistering is idempotent then).
     */
    private void dropTracer() {
        Tracer t = tracer;
        tracer = null;
        if (t != null) {
            saved = t.snapshot();
            try {
                t.release();
            } catch (HwbpException e) {
                log("ptrace: releasing after the core went away: " + e.getMessage());
            }
        }
    }

    /** Stop or update of this bundle: the state goes to the data area, for the next activation. */
    @Deactivate
    synchronized void deactivate() {
        dropTracer();
        save(saved);
    }

    /** The runtime is reset: the tasks' state kept for the next machine goes, in memory and on disk. */
    @Override
    public synchronized void reset() {
        dropTracer();
        saved = PtraceState.EMPTY;
        deleteSaved();
    }

    /** Deletes the state saved for the next activation, if any. */
    private void deleteSaved() {
        if (stateFile == null) {
            return;
        }
        try {
            Files.deleteIfExists(stateFile);
        } catch (IOException e) {
            log("ptrace: the saved state in " + stateFile + " cannot be deleted: " + e);
        }
    }

    /** The tracer, EBUSY while the core is away (also for {@code ptrace:gdbserver}). */
    Tracer tracer() {
        Tracer t = tracer;
        if (t == null) {
            throw new HwbpException(Errno.EBUSY, "core unavailable");
        }
        return t;
    }

    /** The Machine service, EBUSY while the core is away. */
    synchronized Machine machine() {
        if (machine == null) {
            throw new HwbpException(Errno.EBUSY, "core unavailable");
        }
        return machine;
    }

    @Override
    public void taskExited(int task) {
        Tracer t = tracer;
        if (t != null) {
            t.taskExited(task);
        }
    }

    @Override
    public void userDebugException(int cpu, int task, long dr6, long exception) {
        Tracer t = tracer;
        if (t != null) {
            t.userDebugException(task, dr6);
        }
    }

    @Descriptor("attach to a task as its tracer (PTRACE_ATTACH)")
    public String attach(@Descriptor("TASK") String... args) {
        Tracer t = tracer();
        t.attach(new Args("ptrace:attach", args, "TASK").task(0));
        return "ok";
    }

    @Descriptor("stop tracing a task (PTRACE_DETACH); its debug registers keep their breakpoints")
    public String detach(@Descriptor("TASK") String... args) {
        Tracer t = tracer();
        t.detach(new Args("ptrace:detach", args, "TASK").task(0));
        return "ok";
    }

    @Descriptor("read a word of the tracee's user area (PTRACE_PEEKUSER); prints it in hex")
    public String peek(@Descriptor("TASK OFFSET: a user-area offset (DR0 at 848 ... DR7 at 904) or dr0..dr7")
            String... args) {
        Tracer t = tracer();
        Args a = new Args("ptrace:peek", args, "TASK", "OFFSET");
        return String.format("0x%x", t.peekUser(a.task(0), offset("ptrace:peek", a, 1)));
    }

    @Descriptor("write a word of the tracee's user area (PTRACE_POKEUSER); prints the return value 0")
    public String poke(@Descriptor("TASK OFFSET VALUE: OFFSET as for peek, VALUE decimal or 0x hex")
            String... args) {
        Tracer t = tracer();
        Args a = new Args("ptrace:poke", args, "TASK", "OFFSET", "VALUE");
        t.pokeUser(a.task(0), offset("ptrace:poke", a, 1), a.word(2));
        return "0";
    }

    /**
     * Argument {@code i} as a user-area offset: {@code dr0}..{@code dr7} or a {@link Args#word}. A negative
     * offset is refused here: the kernel would take it as an unsigned long far beyond sizeof(struct user) (EIO),
     * and the message would show a 20-digit number nobody typed.
     */
    private static long offset(String command, Args a, int i) {
        String s = a.string(i).trim();
        long named = UserArea.offsetOfName(s);
        if (named >= 0) {
            return named;
        }
        if (s.startsWith("-")) {
            throw new HwbpException(Errno.EINVAL, command + ": bad OFFSET '" + s
                    + "' (a user-area offset, DR0 at 848 ... DR7 at 904, or dr0..dr7; not negative)");
        }
        return a.word(i);
    }

    /** The tracee's last stop; the {@code ptrace:wait} command itself is {@link PtraceWaitCommand}. */
    String waitFor(String... args) {
        Tracer t = tracer();
        ThreadDebugState.Stop stop = t.waitFor(new Args("ptrace:wait", args, "TASK").task(0));
        return stop == null ? "running" : stop.toString();
    }

    @Descriptor("let a stopped tracee run again (PTRACE_CONT)")
    public String cont(@Descriptor("TASK") String... args) {
        Tracer t = tracer();
        t.cont(new Args("ptrace:cont", args, "TASK").task(0));
        return "ok";
    }

    @Descriptor("the tracee's debug registers: virtual DRs and their breakpoints, DR6, DR7, stop, claim log")
    public String status(@Descriptor("TASK") String... args) {
        Tracer t = tracer();
        return t.status(new Args("ptrace:status", args, "TASK").task(0));
    }

    @Descriptor("the tasks with ptrace state (traced or detached, DR7, stop) and what the last restore could not bring back")
    public String tasks(@Descriptor("(no arguments)") String... args) {
        Tracer t = tracer();
        new Args("ptrace:tasks", args);
        return t.tasks();
    }

    @Descriptor("register again the task's debug registers that could not be restored (their slots were taken)")
    public String retry(@Descriptor("TASK") String... args) {
        Tracer t = tracer();
        List<String> lines = t.retry(new Args("ptrace:retry", args, "TASK").task(0));
        return lines.isEmpty() ? "nothing to restore" : String.join("\n", lines);
    }
}
