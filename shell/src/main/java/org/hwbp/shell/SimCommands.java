package org.hwbp.shell;

import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.inspect.HwbpAdmin;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.api.machine.LittleEndian;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.machine.TaskInfo;
import org.hwbp.api.support.Args;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code sim:} commands: the simulated machine's tasks, scheduling, memory accesses and memory (the
 * {@link Machine} service), and a registration held in flight ({@link HwbpAdmin}).
 */
@Component(service = SimCommands.class, immediate = true, property = {
    "osgi.command.scope=sim",
    "osgi.command.function=task",
    "osgi.command.function=tasks",
    "osgi.command.function=switch",
    "osgi.command.function=exit",
    "osgi.command.function=access",
    "osgi.command.function=peek",
    "osgi.command.function=poke",
    "osgi.command.function=inflight"
})
public final class SimCommands {
    /** The most bytes one sim:peek shows. */
    static final int PEEK_MAX = 4096;

    private final Machine machine;
    private final HwbpAdmin admin;
    /** The registration held in flight by {@code sim:inflight}, or null. */
    private AutoCloseable inflight;

    @Activate
    public SimCommands(@Reference Machine machine, @Reference HwbpAdmin admin) {
        this.machine = machine;
        this.admin = admin;
    }

    @Descriptor("hold the breakpoint constraint locks as a registration in flight would, until 'sim:inflight --end':"
            + " meanwhile the debugger's fail-fast path refuses (kgdb: E01) and other registrations wait")
    public synchronized String inflight(
            @Descriptor("the in-flight registration is for this task") @Parameter(names = "--task", absentValue = "0")
            String task,
            @Descriptor("... on this CPU (default: all CPUs for a task)") @Parameter(names = "--cpu", absentValue = "-1")
            String cpu,
            @Descriptor("end the registration in flight") @Parameter(names = "--end", absentValue = "false",
                    presentValue = "true") boolean end) throws Exception {
        if (end) {
            if (inflight == null) {
                throw new HwbpException(Errno.ENOENT, "no registration in flight");
            }
            inflight.close();
            inflight = null;
            return "ok";
        }
        if (inflight != null) {
            throw new HwbpException(Errno.EBUSY, "a registration is already in flight");
        }
        inflight = admin.holdRegistrationInFlight(Args.integer("--cpu", cpu), Args.integer("--task", task));
        return "ok";
    }

    @Deactivate
    synchronized void deactivate() throws Exception {
        if (inflight != null) {
            inflight.close();
        }
    }

    @Descriptor("create a task (ids from 1)")
    public String task(@Descriptor("[NAME]: its name (default taskN)") String... args) {
        Args a = new Args("sim:task", args, "[NAME]");
        return "task " + machine.createTask(a.has(0) ? a.string(0) : null);
    }

    @Descriptor("the tasks: id, name, state, CPU")
    public String tasks() {
        Table t = new Table("ID", "NAME", "STATE", "CPU");
        for (TaskInfo info : machine.tasks()) {
            t.row(info.id(), info.name(), !info.alive() ? "exited" : info.cpu() >= 0 ? "running" : "sleeping",
                    info.cpu() >= 0 ? Integer.toString(info.cpu()) : "-");
        }
        return t.toString();
    }

    /** Gogo calls {@code _switch} for the command {@code switch} (a Java keyword). */
    @Descriptor("schedule a task on a CPU: the previous task is scheduled out (its breakpoints uninstalled)")
    public String _switch(@Descriptor("CPU TASK|idle") String... args) {
        Args a = new Args("sim:switch", args, "CPU", "TASK");
        int cpu = a.integer(0);
        int task = Args.taskOrIdle("TASK", a.string(1));
        machine.switchTo(cpu, task);
        return "ok";
    }

    @Descriptor("the task exits (do_exit): ptrace's breakpoints on it are flushed; others keep their slots")
    public String exit(@Descriptor("TASK") String... args) {
        int task = new Args("sim:exit", args, "TASK").integer(0);
        machine.exitTask(task);
        return "ok";
    }

    @Descriptor("the task running on CPU (or the kernel, --kernel) accesses memory (a write stores --value, default 0,"
            + " little-endian in LEN bytes); prints the #DB, if any, and the handlers called")
    public String access(
            @Descriptor("a kernel-mode access") @Parameter(names = "--kernel", absentValue = "false", presentValue = "true")
            boolean kernel,
            @Descriptor("the value a write stores") @Parameter(names = "--value", absentValue = "") String value,
            @Descriptor("CPU ADDR LEN r|w|x") String... args) {
        Args a = new Args("sim:access", args, "CPU", "ADDR", "LEN", "KIND");
        int cpu = a.integer(0);
        long addr = a.number(1);
        int len = a.integer(2);
        AccessKind kind = Args.access("KIND", a.string(3));
        long stored = value.isEmpty() ? 0 : Args.number("--value", value);
        if (!value.isEmpty() && kind != AccessKind.W) {
            throw new HwbpException(Errno.EINVAL, "sim:access: --value is for a write (w), not " + a.string(3));
        }
        // The output stays what product §5 promises (a read's bytes are sim:peek's to show).
        AccessResult r = machine.access(cpu, addr, len, kind, kernel, stored);
        if (!r.trapped()) {
            return "no trap";
        }
        List<String> lines = new ArrayList<>();
        lines.add("#DB dr6=" + Args.hex(r.dr6()));
        lines.addAll(r.calls());
        return String.join("\n", lines);
    }

    @Descriptor("read simulated memory as a debugger does (no #DB): the bytes in hex, 16 a line; never-written bytes read 0")
    public String peek(@Descriptor("ADDR LEN (1.." + PEEK_MAX + ")") String... args) {
        Args a = new Args("sim:peek", args, "ADDR", "LEN");
        long addr = a.number(0);
        int len = a.integer(1);
        if (len < 1 || len > PEEK_MAX) {
            throw new HwbpException(Errno.EINVAL, "sim:peek: LEN must be 1.." + PEEK_MAX + ": " + len);
        }
        byte[] bytes = machine.readMemory(addr, len);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            sb.append(i == 0 ? "" : i % 16 == 0 ? "\n" : " ").append(String.format("%02x", bytes[i] & 0xff));
        }
        return sb.toString();
    }

    @Descriptor("write simulated memory as a debugger does (no #DB): VALUE little-endian in LEN (1..8) bytes")
    public String poke(@Descriptor("ADDR VALUE LEN") String... args) {
        Args a = new Args("sim:poke", args, "ADDR", "VALUE", "LEN");
        long addr = a.number(0);
        long value = a.number(1);
        int len = a.integer(2);
        machine.writeMemory(addr, LittleEndian.bytes(value, len));
        return "ok";
    }
}
