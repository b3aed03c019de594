package org.hwbp.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.WideBreakpoint;
import org.hwbp.api.inspect.BreakpointDTO;
import org.hwbp.api.inspect.BreakpointSpecDTO;
import org.hwbp.api.inspect.CheckDTO;
import org.hwbp.api.inspect.CountersDTO;
import org.hwbp.api.inspect.CpuDTO;
import org.hwbp.api.inspect.EventDTO;
import org.hwbp.api.inspect.HolderDTO;
import org.hwbp.api.inspect.HwbpAdmin;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.api.inspect.ReturningBreakpointDTO;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.support.Args;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The {@code hwbp:} commands: perf_event_open-like registration in the shell bundle's own owner scope (its
 * bundle-scoped {@link BreakpointService}), and views of the whole machine through the inspection service
 * {@link HwbpRuntime} (every owner's breakpoints, CPUs, registers, counters, events, invariants). Every decision
 * is the model's; this class parses and formats. Immediate: Gogo ungets a command service after every call, which
 * would dispose a delayed component, and with it the shell's owner scope and breakpoints.
 */
@Component(service = HwbpCommands.class, immediate = true, property = {
    "osgi.command.scope=hwbp",
    "osgi.command.function=register",
    "osgi.command.function=wide",
    "osgi.command.function=modify",
    "osgi.command.function=unregister",
    "osgi.command.function=list",
    "osgi.command.function=cpus",
    "osgi.command.function=regs",
    "osgi.command.function=stats",
    "osgi.command.function=used",
    "osgi.command.function=events",
    "osgi.command.function=check"
})
public final class HwbpCommands {
    /** The shell's breakpoints only exist to be looked at; the core already logs every trigger as an event. */
    private static final BreakpointHandler QUIET = (bp, hit) -> { };
    private static final int DEFAULT_EVENTS = 20;

    private final BreakpointService breakpoints;
    private final HwbpRuntime runtime;
    private final HwbpAdmin admin;
    /** The shell's wide breakpoints by id; their per-CPU parts share the id. */
    private final Map<Integer, WideBreakpoint> wides = new ConcurrentHashMap<>();
    private volatile Logger logger;

    /**
     * The shell's breakpoints live in the bundle-scoped service: they go when this component releases it (the
     * shell bundle stops, or hwbp-core does, which keeps them for its next start before the first of them went).
     */
    @Activate
    public HwbpCommands(@Reference BreakpointService breakpoints, @Reference HwbpRuntime runtime,
            @Reference HwbpAdmin admin) {
        this.breakpoints = breakpoints;
        this.runtime = runtime;
        this.admin = admin;
        reRegister();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setLoggerFactory(LoggerFactory factory) {
        logger = factory.getLogger(HwbpCommands.class);
    }

    void unsetLoggerFactory(LoggerFactory factory) {
        logger = null;
    }

    /**
     * After a restart of hwbp-core, the shell's breakpoints from before come back with their ids (wide ones once,
     * on every CPU), in registration order; the core gives each its serial and slot back. One that cannot
     * (its task exited meanwhile, its slot taken by a client that came back first) is logged.
     */
    private void reRegister() {
        for (ReturningBreakpointDTO r : runtime.getReturningBreakpoints(breakpoints.owner())) {
            BreakpointSpecDTO s = r.spec;
            BreakpointSpec spec = new BreakpointSpec(s.address, s.length, s.type, s.cpu, s.task, s.disabled,
                    s.excludeKernel);
            try {
                if (!r.wide) {
                    breakpoints.register(spec, QUIET);
                } else if (!wides.containsKey(r.id)) {
                    WideBreakpoint w = breakpoints.registerWide(spec, QUIET);
                    wides.put(w.id(), w);
                }
            } catch (HwbpException x) {
                String message = "shell breakpoint " + r.id + " could not come back: " + x.getMessage();
                Logger l = logger;
                if (l != null) {
                    l.warn(message);
                } else {
                    System.err.println("hwbp: " + message);
                }
            }
        }
    }

    /** The breakpoints with {@code id} in the shell's scope (a wide id: every part); ENOENT if none. */
    private List<Breakpoint> byId(int id) {
        List<Breakpoint> l = breakpoints.breakpoints().stream().filter(b -> b.id() == id).toList();
        if (l.isEmpty()) {
            throw new HwbpException(Errno.ENOENT, "no breakpoint " + id + " registered by " + breakpoints.owner());
        }
        return l;
    }

    @Descriptor("perf_event_open of a breakpoint: CPU-bound (--cpu), task-bound on all CPUs (--task), or on one CPU (both)")
    public String register(
            @Descriptor("CPU the breakpoint is bound to") @Parameter(names = "--cpu", absentValue = "") String cpu,
            @Descriptor("target task id") @Parameter(names = "--task", absentValue = "") String task,
            @Descriptor("register disabled (the slot is still reserved)")
            @Parameter(names = "--disabled", absentValue = "false", presentValue = "true") boolean disabled,
            @Descriptor("exclude_kernel: a user breakpoint (kernel ranges refused)")
            @Parameter(names = "--user", absentValue = "false", presentValue = "true") boolean user,
            @Descriptor("ADDR LEN TYPE: address, length (1, 2, 4, 8), type x|w|rw") String... args) {
        Args a = new Args("hwbp:register", args, "ADDR", "LEN", "TYPE");
        long addr = a.number(0);
        int len = a.integer(1);
        int type = Args.type("TYPE", a.string(2));
        int c = Args.option("--cpu", cpu, BreakpointSpec.ANY_CPU);
        int t = Args.option("--task", task, BreakpointSpec.NO_TASK);
        if (!task.isEmpty() && t <= 0) {
            throw new HwbpException(Errno.ESRCH, "no such task " + task);
        }
        Breakpoint bp = breakpoints.register(new BreakpointSpec(addr, len, type, c, t, disabled, user), QUIET);
        return "bp " + bp.id();
    }

    @Descriptor("register_wide_hw_breakpoint: one CPU-bound breakpoint per CPU, all or nothing")
    public String wide(@Descriptor("ADDR LEN TYPE: address, length (1, 2, 4, 8), type x|w|rw") String... args) {
        Args a = new Args("hwbp:wide", args, "ADDR", "LEN", "TYPE");
        BreakpointSpec spec = BreakpointSpec.onCpu(0, a.number(0), a.integer(1), Args.type("TYPE", a.string(2)));
        WideBreakpoint w = breakpoints.registerWide(spec, QUIET);
        wides.put(w.id(), w);
        return "wide " + w.id();
    }

    @Descriptor("modify_user_hw_breakpoint of a breakpoint registered here (a wide id on every CPU)")
    public String modify(
            @Descriptor("new address") @Parameter(names = "--addr", absentValue = "") String addr,
            @Descriptor("new length") @Parameter(names = "--len", absentValue = "") String len,
            @Descriptor("new type x|w|rw") @Parameter(names = "--type", absentValue = "") String type,
            @Descriptor("enable it") @Parameter(names = "--enable", absentValue = "false", presentValue = "true")
            boolean enable,
            @Descriptor("disable it (it keeps its slot)")
            @Parameter(names = "--disable", absentValue = "false", presentValue = "true") boolean disable,
            @Descriptor("ID: the id hwbp:register or hwbp:wide printed") String... args) {
        Args a = new Args("hwbp:modify", args, "ID");
        int id = a.integer(0);
        if (enable && disable) {
            throw new HwbpException(Errno.EINVAL, "hwbp:modify: --enable and --disable together");
        }
        WideBreakpoint w = wides.get(id);
        List<Breakpoint> parts = w != null ? w.perCpu() : byId(id);
        BreakpointSpec s = parts.get(0).spec();
        if (!addr.isEmpty()) {
            s = s.withAddress(Args.number("--addr", addr));
        }
        if (!len.isEmpty()) {
            s = s.withLength(Args.integer("--len", len));
        }
        if (!type.isEmpty()) {
            s = s.withType(Args.type("--type", type));
        }
        if (enable || disable) {
            s = s.withDisabled(disable);
        }
        if (w != null) {
            w.modify(s);
        } else {
            parts.get(0).modify(s);
        }
        return "bp " + id;
    }

    @Descriptor("unregister a breakpoint registered here (a wide id: all its per-CPU parts)")
    public String unregister(@Descriptor("ID: the id hwbp:register or hwbp:wide printed") String... args) {
        int id = new Args("hwbp:unregister", args, "ID").integer(0);
        WideBreakpoint w = wides.remove(id);
        if (w != null) {
            w.unregister();
        } else {
            for (Breakpoint bp : byId(id)) {
                bp.unregister();
            }
        }
        return "ok";
    }

    @Descriptor("every owner's breakpoints: id, owner, target, address, length, type, state")
    public String list() {
        CpuDTO[] cpus = runtime.getCpus();
        Table t = new Table("ID", "OWNER", "TARGET", "ADDR", "LEN", "TYPE", "STATE");
        for (BreakpointDTO bp : runtime.getBreakpoints()) {
            BreakpointSpecDTO s = bp.spec;
            t.row(bp.id, bp.owner, target(s), Args.hex(s.address), s.length, BreakpointSpec.typeName(s.type),
                    state(bp, cpus));
        }
        return t.toString();
    }

    private static String target(BreakpointSpecDTO s) {
        if (s.task == BreakpointSpec.NO_TASK) {
            return "cpu " + s.cpu;
        }
        return "task " + s.task + (s.cpu >= 0 ? " cpu " + s.cpu : "");
    }

    /** The slots it is installed in (naming a holder other than the host), else its state; see below for placeholders. */
    private static String state(BreakpointDTO bp, CpuDTO[] cpus) {
        List<String> installed = new ArrayList<>();
        for (int cpu = 0; cpu < bp.installedSlot.length; cpu++) {
            int slot = bp.installedSlot[cpu];
            if (slot >= 0) {
                Holder h = holder(cpus[cpu].holder);
                installed.add("installed cpu " + cpu + " slot " + slot + (h.isHost() ? "" : " (held by " + h + ")"));
            }
        }
        if (!installed.isEmpty()) {
            return String.join(", ", installed);
        }
        // Registered but holding no slot: kgdb's boot-time breakpoints, whose slots kgdb_arch_late() releases
        // (a user's --disabled breakpoint keeps its slot, as perf's disabled events do).
        return BreakpointDTO.STATE_DISABLED.equals(bp.state) && !bp.reserved ? bp.state + " (placeholder, no slot)"
                : bp.state;
    }

    private static Holder holder(HolderDTO d) {
        return new Holder(Holder.Kind.valueOf(d.kind), d.vm, d.vcpu);
    }

    @Descriptor("per CPU: holder of the debug registers, slots reserved (worst case) and installed, DR7, running task")
    public String cpus() {
        int slots = runtime.getMachine().slotsPerCpu;
        Table t = new Table("CPU", "HOLDER", "SLOTS", "INSTALLED", "DR7", "TASK");
        for (CpuDTO c : runtime.getCpus()) {
            int installed = 0;
            for (String owner : c.bpPerRegOwner) {
                installed += owner != null ? 1 : 0;
            }
            t.row(c.id, holder(c.holder), c.slotsInUse + "/" + slots, installed, Args.hex(c.dr7),
                    c.runningTask == Machine.IDLE ? "idle" : "task " + c.runningTask);
        }
        return t.toString();
    }

    @Descriptor("the hardware debug registers of a CPU (DR4/DR5 alias DR6/DR7), then the kernel's shadows, decoded")
    public String regs(@Descriptor("CPU") String... args) {
        int cpu = new Args("hwbp:regs", args, "CPU").integer(0);
        CpuDTO c = runtime.getCpu(cpu);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < c.debugreg.length; i++) {
            lines.add("DR" + i + " " + Args.hex(c.debugreg[i]) + "  " + Dr7.describeSlot(c.dr7, i));
        }
        lines.add("DR6 " + Args.hex(c.dr6) + "  " + Dr6.describe(c.dr6));
        lines.add("DR7 " + Args.hex(c.dr7) + "  " + Dr7.describe(c.dr7));
        lines.add("cpu_dr7 " + Args.hex(c.cpuDr7) + "  " + Dr7.describe(c.cpuDr7));
        for (int i = 0; i < c.cpuDebugreg.length; i++) {
            lines.add("cpu_debugreg[" + i + "] " + Args.hex(c.cpuDebugreg[i]));
        }
        for (int i = 0; i < c.bpPerRegOwner.length; i++) {
            String owner = c.bpPerRegOwner[i];
            lines.add("bp_per_reg[" + i + "] " + (owner == null ? "none" : "bp " + c.bpPerRegId[i] + " (" + owner + ")"));
        }
        lines.add("hw_breakpoint_active " + c.hwBreakpointActive);
        lines.add("holder " + holder(c.holder));
        return String.join("\n", lines);
    }

    @Descriptor("debug-register reads and writes (total and per CPU), registrations, refusals, claims, triggers")
    public String stats(@Descriptor("reset the counters after printing them")
            @Parameter(names = "--reset", absentValue = "false", presentValue = "true") boolean reset) {
        CountersDTO c = runtime.getCounters();
        List<String> lines = new ArrayList<>();
        lines.add("dr_reads " + c.drReads);
        lines.add("dr_writes " + c.drWrites);
        for (int cpu = 0; cpu < c.cpuDrReads.length; cpu++) {
            lines.add("cpu" + cpu + " dr_reads " + c.cpuDrReads[cpu] + " dr_writes " + c.cpuDrWrites[cpu]);
        }
        lines.add("registrations " + c.registrations);
        lines.add("refusals " + c.refusals);
        lines.add("debugger_claims " + c.debuggerClaims);
        lines.add("guest_claims " + c.guestClaims);
        lines.add("triggers " + c.triggers);
        if (reset) {
            admin.resetCounters();
        }
        return String.join("\n", lines);
    }

    @Descriptor("hw_breakpoint_is_used(): whether any slot is reserved anywhere")
    public String used() {
        return Boolean.toString(runtime.getMachine().used);
    }

    @Descriptor("the last claim, release, preempt, restore and trigger events")
    public String events(@Descriptor("[N]: how many (default 20)") String... args) {
        Args a = new Args("hwbp:events", args, "[N]");
        int n = a.has(0) ? a.integer(0) : DEFAULT_EVENTS;
        if (n < 0) {
            throw new HwbpException(Errno.EINVAL, "bad N '" + a.string(0) + "'");
        }
        List<String> lines = new ArrayList<>();
        for (EventDTO e : runtime.getLatestEvents(n)) {
            lines.add(e.sequence + " " + e.message);
        }
        return String.join("\n", lines);
    }

    @Descriptor("check the invariants now: slots per CPU, accounting against a recount, DR7 against cpu_dr7")
    public String check() {
        CheckDTO c = runtime.check();
        if (!c.ok) {
            throw new IllegalStateException("invariants violated: " + String.join("; ", c.problems));
        }
        return "ok";
    }
}
