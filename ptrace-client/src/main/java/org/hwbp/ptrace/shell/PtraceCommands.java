package org.hwbp.ptrace.shell;

import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.machine.TaskListener;
import org.hwbp.ptrace.model.ThreadDebugState;
import org.hwbp.ptrace.model.Tracer;
import org.hwbp.ptrace.model.UserArea;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The {@code ptrace:} commands: a debugger's view of the simulated tasks (PTRACE_ATTACH, PTRACE_PEEKUSR,
 * PTRACE_POKEUSR, waitpid, PTRACE_CONT, PTRACE_DETACH). Also the {@link TaskListener} through which the core
 * tells of task exits (do_exit → flush_ptrace_hw_breakpoint).
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
    "osgi.command.function=wait",
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
    public String attach(@Descriptor("task id") String task) {
        tracer().attach(Numbers.parseTask(task));
        return "ok";
    }

    @Descriptor("stop tracing a task (PTRACE_DETACH); its debug registers keep their breakpoints")
    public String detach(@Descriptor("task id") String task) {
        tracer().detach(Numbers.parseTask(task));
        return "ok";
    }

    @Descriptor("read a word of the tracee's user area (PTRACE_PEEKUSER)")
    public String peek(@Descriptor("task id") String task,
            @Descriptor("user-area offset (DR0 at 848 ... DR7 at 904) or dr0..dr7") String offset) {
        Tracer t = tracer();
        int id = Numbers.parseTask(task);
        return String.format("0x%x", t.peekUser(id, offset(offset)));
    }

    @Descriptor("write a word of the tracee's user area (PTRACE_POKEUSER); prints the return value 0")
    public String poke(@Descriptor("task id") String task,
            @Descriptor("user-area offset (DR0 at 848 ... DR7 at 904) or dr0..dr7") String offset,
            @Descriptor("the value, decimal or 0x hex") String value) {
        Tracer t = tracer();
        int id = Numbers.parseTask(task);
        long off = offset(offset);
        t.pokeUser(id, off, Numbers.parseLong("VALUE", value));
        return "0";
    }

    /**
     * Takes Object, not String: Gogo ranks Object.wait(long) above wait(String) for a numeric argument, and only
     * an Object parameter wins for every token (Gogo may hand over a number, hence String.valueOf).
     */
    @Descriptor("the tracee's last stop (waitpid): SIGTRAP with the DR6 the tracer would read, or running")
    public String wait(@Descriptor("task id") Object task) {
        ThreadDebugState.Stop stop = tracer().waitFor(Numbers.parseTask(String.valueOf(task)));
        return stop == null ? "running" : stop.toString();
    }

    @Descriptor("let a stopped tracee run again (PTRACE_CONT)")
    public String cont(@Descriptor("task id") String task) {
        tracer().cont(Numbers.parseTask(task));
        return "ok";
    }

    @Descriptor("the tracee's debug registers: virtual DRs and their breakpoints, DR6, DR7, stop, claim log")
    public String status(@Descriptor("task id") String task) {
        return tracer().status(Numbers.parseTask(task));
    }

    private static long offset(String s) {
        long named = UserArea.offsetOfName(s);
        return named >= 0 ? named : Numbers.parseLong("OFFSET", s);
    }
}
