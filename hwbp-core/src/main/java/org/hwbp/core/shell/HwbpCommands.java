package org.hwbp.core.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.WideBreakpoint;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.support.Args;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.CoreSnapshot;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.x86.CpuShadow;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code hwbp:} commands: perf_event_open-like registration in the shell's own owner scope, and views of
 * the core (every owner's breakpoints, CPUs, registers, counters, events, invariants). Every decision is the
 * model's; this class parses and formats. Immediate: Gogo ungets a command service after every call, which would
 * dispose a delayed component, and with it the shell's owner scope and breakpoints.
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

    private final HwBreakpointCore core;
    private final BreakpointServiceImpl breakpoints;
    /** The shell's wide breakpoints by id; their per-CPU parts share the id. */
    private final Map<Integer, WideBreakpoint> wides = new ConcurrentHashMap<>();

    @Activate
    public HwbpCommands(@Reference HwBreakpointCore core, BundleContext context) {
        this(core, context.getBundle().getSymbolicName());
    }

    /** The commands acting as owner {@code owner} (the bundle's symbolic name in the runtime). */
    HwbpCommands(HwBreakpointCore core, String owner) {
        this.core = core;
        this.breakpoints = new BreakpointServiceImpl(core, owner);
        reRegister(owner);
    }

    /**
     * After a restart of hwbp-core, the shell's breakpoints from before come back with their ids (wide ones once,
     * on every CPU), in registration order; the core gives each its serial and slot back. One that cannot
     * (its task exited meanwhile, its slot taken by a client that came back first) is reported in the events.
     */
    private void reRegister(String owner) {
        for (CoreSnapshot.Event e : List.copyOf(core.returningEvents(owner))) {
            try {
                if (!e.wide()) {
                    breakpoints.register(e.spec(), QUIET);
                } else if (!wides.containsKey(e.id())) {
                    WideBreakpoint w = breakpoints.registerWide(e.spec(), QUIET);
                    wides.put(w.id(), w);
                }
            } catch (HwbpException x) {
                core.events().add("error shell breakpoint " + e.id() + " could not come back: " + x.getMessage());
            }
        }
    }

    /**
     * The shell's breakpoints go with the component, as a bundle's go with the bundle (when hwbp-core itself is
     * stopping, the core kept them for its next start before the first of them went).
     */
    @Deactivate
    void close() {
        breakpoints.close();
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
        List<Breakpoint> parts = w != null ? w.perCpu() : breakpoints.byId(id);
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
            for (Breakpoint bp : breakpoints.byId(id)) {
                bp.unregister();
            }
        }
        return "ok";
    }

    @Descriptor("every owner's breakpoints: id, owner, target, address, length, type, state")
    public String list() {
        Table t = new Table("ID", "OWNER", "TARGET", "ADDR", "LEN", "TYPE", "STATE");
        for (Breakpoint bp : core.breakpoints()) {
            BreakpointSpec s = bp.spec();
            t.row(bp.id(), bp.owner(), target(s), Args.hex(s.address()), s.length(), BreakpointSpec.typeName(s.type()),
                    state(bp));
        }
        return t.toString();
    }

    private static String target(BreakpointSpec s) {
        if (!s.isTaskBound()) {
            return "cpu " + s.cpu();
        }
        return "task " + s.task() + (s.cpu() >= 0 ? " cpu " + s.cpu() : "");
    }

    private String state(Breakpoint bp) {
        List<String> installed = new ArrayList<>();
        for (int cpu = 0; cpu < core.cpus(); cpu++) {
            int slot = bp.installedSlot(cpu);
            if (slot >= 0) {
                Holder h = core.holder(cpu);
                installed.add("installed cpu " + cpu + " slot " + slot + (h.isHost() ? "" : " (held by " + h + ")"));
            }
        }
        if (!installed.isEmpty()) {
            return String.join(", ", installed);
        }
        if (bp.isPreempted()) {
            return "preempted";
        }
        if (bp.spec().disabled()) {
            return "disabled";
        }
        return bp.isReserved() ? "reserved" : "unreserved";
    }

    @Descriptor("per CPU: holder of the debug registers, slots reserved (worst case) and installed, DR7, running task")
    public String cpus() {
        Table t = new Table("CPU", "HOLDER", "SLOTS", "INSTALLED", "DR7", "TASK");
        for (int cpu = 0; cpu < core.cpus(); cpu++) {
            int task = core.running(cpu);
            t.row(cpu, core.holder(cpu), core.slotsInUse(cpu) + "/" + CpuShadow.HBP_NUM,
                    core.shadow(cpu).installedCount(), Args.hex(core.hardware(cpu)[7]),
                    task == Machine.IDLE ? "idle" : "task " + task);
        }
        return t.toString();
    }

    @Descriptor("the hardware debug registers of a CPU (DR4/DR5 alias DR6/DR7), then the kernel's shadows, decoded")
    public String regs(@Descriptor("CPU") String... args) {
        int cpu = new Args("hwbp:regs", args, "CPU").integer(0);
        long[] hw = core.hardware(cpu);
        CpuShadow<?> sh = core.shadow(cpu);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < CpuShadow.HBP_NUM; i++) {
            lines.add("DR" + i + " " + Args.hex(hw[i]) + "  " + slotState(hw[7], i));
        }
        lines.add("DR6 " + Args.hex(hw[6]) + "  " + describeDr6(hw[6]));
        lines.add("DR7 " + Args.hex(hw[7]) + "  " + Dr7.describe(hw[7]));
        lines.add("cpu_dr7 " + Args.hex(sh.dr7()) + "  " + Dr7.describe(sh.dr7()));
        for (int i = 0; i < CpuShadow.HBP_NUM; i++) {
            lines.add("cpu_debugreg[" + i + "] " + Args.hex(sh.address(i)));
        }
        for (int i = 0; i < CpuShadow.HBP_NUM; i++) {
            Object owner = sh.owner(i);
            lines.add("bp_per_reg[" + i + "] " + (owner == null ? "none" : owner));
        }
        lines.add("hw_breakpoint_active " + sh.active());
        lines.add("holder " + core.holder(cpu));
        return String.join("\n", lines);
    }

    /** What DR7 says of slot i: {@code G w/4} or {@code off}. */
    private static String slotState(long dr7, int slot) {
        if (!Dr7.enabled(dr7, slot)) {
            return "off";
        }
        String enable = ((dr7 & Dr7.globalEnable(slot)) != 0 ? "G" : "") + ((dr7 & Dr7.localEnable(slot)) != 0 ? "L" : "");
        String[] rw = { "x", "w", "io", "rw" };
        return enable + " " + rw[Dr7.rw(dr7, slot)] + "/" + Dr7.lenBytes(Dr7.lenBits(dr7, slot));
    }

    /** The DR6 bits that report something, read in positive polarity (debug_read_reset_dr6). */
    static String describeDr6(long dr6) {
        long p = Dr6.toPositive(dr6);
        List<String> bits = new ArrayList<>();
        for (int i = 0; i < CpuShadow.HBP_NUM; i++) {
            if ((p & Dr6.trap(i)) != 0) {
                bits.add("B" + i);
            }
        }
        if ((p & Dr6.BUS_LOCK) != 0) {
            bits.add("BLD");
        }
        if ((p & Dr6.BD) != 0) {
            bits.add("BD");
        }
        if ((p & Dr6.BS) != 0) {
            bits.add("BS");
        }
        if ((p & Dr6.BT) != 0) {
            bits.add("BT");
        }
        if ((p & 0x10000L) != 0) {
            bits.add("RTM");
        }
        return bits.isEmpty() ? "none" : String.join(" ", bits);
    }

    @Descriptor("debug-register reads and writes (total and per CPU), registrations, refusals, claims, triggers")
    public String stats(@Descriptor("reset the counters after printing them")
            @Parameter(names = "--reset", absentValue = "false", presentValue = "true") boolean reset) {
        long reads = 0;
        long writes = 0;
        List<String> perCpu = new ArrayList<>();
        for (int cpu = 0; cpu < core.cpus(); cpu++) {
            DebugRegisters r = core.registers(cpu);
            reads += r.reads();
            writes += r.writes();
            perCpu.add("cpu" + cpu + " dr_reads " + r.reads() + " dr_writes " + r.writes());
        }
        HwBreakpointCore.Counters c = core.counters();
        List<String> lines = new ArrayList<>();
        lines.add("dr_reads " + reads);
        lines.add("dr_writes " + writes);
        lines.addAll(perCpu);
        lines.add("registrations " + c.registrations());
        lines.add("refusals " + c.refusals());
        lines.add("debugger_claims " + c.debuggerClaims());
        lines.add("guest_claims " + c.guestClaims());
        lines.add("triggers " + c.triggers());
        if (reset) {
            core.resetCounters();
        }
        return String.join("\n", lines);
    }

    @Descriptor("hw_breakpoint_is_used(): whether any slot is reserved anywhere")
    public String used() {
        return Boolean.toString(core.isUsed());
    }

    @Descriptor("the last claim, release, preempt, restore and trigger events")
    public String events(@Descriptor("[N]: how many (default 20)") String... args) {
        Args a = new Args("hwbp:events", args, "[N]");
        int n = a.has(0) ? a.integer(0) : DEFAULT_EVENTS;
        if (n < 0) {
            throw new HwbpException(Errno.EINVAL, "bad N '" + a.string(0) + "'");
        }
        return String.join("\n", core.events().last(n));
    }

    @Descriptor("check the invariants now: slots per CPU, accounting against a recount, DR7 against cpu_dr7")
    public String check() {
        List<String> problems = core.checkQuiescent();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("invariants violated: " + String.join("; ", problems));
        }
        return "ok";
    }
}
