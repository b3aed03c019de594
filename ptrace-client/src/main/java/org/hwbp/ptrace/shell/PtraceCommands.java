package org.hwbp.ptrace.shell;

import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.machine.TaskListener;
import org.hwbp.ptrace.model.ThreadDebugState;
import org.hwbp.ptrace.model.Tracer;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The {@code ptrace:} commands: a debugger's view of the simulated tasks (PTRACE_ATTACH, PTRACE_PEEKUSR,
 * PTRACE_POKEUSR, waitpid, PTRACE_CONT, PTRACE_DETACH). Also the {@link TaskListener} through which the core
 * tells of task exits (do_exit → flush_ptrace_hw_breakpoint). {@code ptrace:wait} is a separate component,
 * {@link PtraceWaitCommand}.
 *
 * <p>The core's services are optional and dynamic so that the commands stay registered while the core is
 * stopped (they answer EBUSY then). The tracer model lives only while both services are bound: when either
 * goes, its breakpoints are unregistered and the model dropped, since the core releases a departed client's
 * breakpoints anyway.
 */
@Component(service = {PtraceCommands.class, TaskListener.class}, property = {
    "osgi.command.scope=ptrace",
    "osgi.command.function=attach",
    "osgi.command.function=detach",
    "osgi.command.function=peek",
    "osgi.command.function=poke",
    "osgi.command.function=cont",
    "osgi.command.function=status"
})
public final class PtraceCommands implements TaskListener {
    private BreakpointService service;
    private Machine machine;
    private volatile Tracer tracer;

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

    private void buildTracer() {
        if (service != null && machine != null) {
            tracer = new Tracer(service, machine);
        }
    }

    private void dropTracer() {
        Tracer t = tracer;
        tracer = null;
        if (t != null) {
            t.release();
        }
    }

    @Deactivate
    synchronized void deactivate() {
        dropTracer();
    }

    private Tracer tracer() {
        Tracer t = tracer;
        if (t == null) {
            throw new HwbpException(Errno.EBUSY, "core unavailable");
        }
        return t;
    }

    @Override
    public void taskExited(int task) {
        Tracer t = tracer;
        if (t != null) {
            t.taskExited(task);
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
        return String.format("0x%x", t.peekUser(a.task(0), a.offset(1)));
    }

    @Descriptor("write a word of the tracee's user area (PTRACE_POKEUSER); prints the return value 0")
    public String poke(@Descriptor("TASK OFFSET VALUE: OFFSET as for peek, VALUE decimal or 0x hex")
            String... args) {
        Tracer t = tracer();
        Args a = new Args("ptrace:poke", args, "TASK", "OFFSET", "VALUE");
        t.pokeUser(a.task(0), a.offset(1), a.number(2));
        return "0";
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
}
