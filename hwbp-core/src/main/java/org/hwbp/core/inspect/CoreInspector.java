package org.hwbp.core.inspect;

import java.util.ArrayList;
import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.inspect.BreakpointDTO;
import org.hwbp.api.inspect.BreakpointSpecDTO;
import org.hwbp.api.inspect.CheckDTO;
import org.hwbp.api.inspect.CountersDTO;
import org.hwbp.api.inspect.CpuDTO;
import org.hwbp.api.inspect.EventDTO;
import org.hwbp.api.inspect.EventPageDTO;
import org.hwbp.api.inspect.HolderDTO;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.api.inspect.MachineDTO;
import org.hwbp.api.inspect.ReturningBreakpointDTO;
import org.hwbp.api.inspect.TaskDTO;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.TaskInfo;
import org.hwbp.core.CoreSnapshot;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.x86.CpuShadow;

/**
 * The core seen from outside, as DTOs: what Linux leaves to debugfs and a debugger's eyes (the registers, the
 * per-CPU shadows of arch/x86/kernel/hw_breakpoint.c, the slot accounting of kernel/events/hw_breakpoint.c)
 * and what the sandbox adds (holders, events, counters, invariant checks). Plain Java over the core's public
 * methods; reads only memory and uncounted register snapshots, never MOV from DRn.
 */
public final class CoreInspector implements HwbpRuntime {
    private final HwBreakpointCore core;

    public CoreInspector(HwBreakpointCore core) {
        this.core = core;
    }

    @Override
    public MachineDTO getMachine() {
        MachineDTO m = new MachineDTO();
        m.cpus = core.cpus();
        m.slotsPerCpu = CpuShadow.HBP_NUM;
        m.policy = core.policy().label();
        m.used = core.isUsed();
        m.debuggerActive = core.debuggerActive();
        return m;
    }

    @Override
    public CpuDTO[] getCpus() {
        CpuDTO[] cpus = new CpuDTO[core.cpus()];
        for (int cpu = 0; cpu < cpus.length; cpu++) {
            cpus[cpu] = getCpu(cpu);
        }
        return cpus;
    }

    @Override
    public CpuDTO getCpu(int cpu) {
        // hardware() checks the CPU number (EINVAL "no CPU N (0..M)") before anything else is read.
        long[] hw = core.hardware(cpu);
        CpuShadow<?> sh = core.shadow(cpu);
        CpuDTO d = new CpuDTO();
        d.id = cpu;
        d.holder = holder(core.holder(cpu));
        d.slotsInUse = core.slotsInUse(cpu);
        d.debugreg = new long[CpuShadow.HBP_NUM];
        System.arraycopy(hw, 0, d.debugreg, 0, CpuShadow.HBP_NUM);
        d.dr6 = hw[6];
        d.dr7 = hw[7];
        d.cpuDr7 = sh.dr7();
        d.cpuDebugreg = new long[CpuShadow.HBP_NUM];
        d.bpPerRegOwner = new String[CpuShadow.HBP_NUM];
        d.bpPerRegId = new int[CpuShadow.HBP_NUM];
        for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
            d.cpuDebugreg[slot] = sh.address(slot);
            if (sh.owner(slot) instanceof Breakpoint bp) {
                d.bpPerRegOwner[slot] = bp.owner();
                d.bpPerRegId[slot] = bp.id();
            }
        }
        d.hwBreakpointActive = sh.active();
        d.runningTask = core.running(cpu);
        return d;
    }

    static HolderDTO holder(Holder h) {
        HolderDTO d = new HolderDTO();
        d.kind = h.kind().name();
        d.vm = h.vm();
        d.vcpu = h.vcpu();
        return d;
    }

    @Override
    public BreakpointDTO[] getBreakpoints() {
        List<? extends Breakpoint> all = core.breakpoints();
        BreakpointDTO[] out = new BreakpointDTO[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = breakpoint(all.get(i));
        }
        return out;
    }

    private BreakpointDTO breakpoint(Breakpoint bp) {
        BreakpointDTO d = new BreakpointDTO();
        d.owner = bp.owner();
        d.id = bp.id();
        d.spec = spec(bp.spec());
        d.reserved = bp.isReserved();
        d.preempted = bp.isPreempted();
        d.installedSlot = new int[core.cpus()];
        boolean installed = false;
        for (int cpu = 0; cpu < d.installedSlot.length; cpu++) {
            d.installedSlot[cpu] = bp.installedSlot(cpu);
            installed |= d.installedSlot[cpu] >= 0;
        }
        d.state = installed ? BreakpointDTO.STATE_INSTALLED
                : d.preempted ? BreakpointDTO.STATE_PREEMPTED
                : d.spec.disabled ? BreakpointDTO.STATE_DISABLED
                : d.reserved ? BreakpointDTO.STATE_RESERVED
                : BreakpointDTO.STATE_UNRESERVED;
        return d;
    }

    static BreakpointSpecDTO spec(BreakpointSpec s) {
        BreakpointSpecDTO d = new BreakpointSpecDTO();
        d.address = s.address();
        d.length = s.length();
        d.type = s.type();
        d.cpu = s.cpu();
        d.task = s.task();
        d.disabled = s.disabled();
        d.excludeKernel = s.excludeKernel();
        return d;
    }

    @Override
    public ReturningBreakpointDTO[] getReturningBreakpoints(String owner) {
        List<CoreSnapshot.Event> events = List.copyOf(core.returningEvents(owner));
        ReturningBreakpointDTO[] out = new ReturningBreakpointDTO[events.size()];
        for (int i = 0; i < out.length; i++) {
            CoreSnapshot.Event e = events.get(i);
            ReturningBreakpointDTO d = new ReturningBreakpointDTO();
            d.owner = e.owner();
            d.id = e.id();
            d.wide = e.wide();
            d.spec = spec(e.spec());
            out[i] = d;
        }
        return out;
    }

    @Override
    public TaskDTO[] getTasks() {
        List<TaskInfo> tasks = core.tasks();
        TaskDTO[] out = new TaskDTO[tasks.size()];
        for (int i = 0; i < out.length; i++) {
            TaskInfo t = tasks.get(i);
            TaskDTO d = new TaskDTO();
            d.id = t.id();
            d.name = t.name();
            d.alive = t.alive();
            d.cpu = t.cpu();
            out[i] = d;
        }
        return out;
    }

    @Override
    public EventPageDTO getEvents(long after, int max) {
        if (after < 0 || max < 0) {
            throw new HwbpException(Errno.EINVAL, "bad cursor " + after + " or count " + max);
        }
        List<EventDTO> kept = events(Integer.MAX_VALUE);
        EventPageDTO page = new EventPageDTO();
        page.oldest = kept.isEmpty() ? 0 : kept.get(0).sequence;
        page.latest = kept.isEmpty() ? 0 : kept.get(kept.size() - 1).sequence;
        List<EventDTO> out = new ArrayList<>();
        for (EventDTO e : kept) {
            if (e.sequence > after && out.size() < max) {
                out.add(e);
            }
        }
        page.events = out.toArray(new EventDTO[0]);
        page.next = out.isEmpty() ? after : out.get(out.size() - 1).sequence;
        return page;
    }

    @Override
    public EventDTO[] getLatestEvents(int n) {
        if (n < 0) {
            throw new HwbpException(Errno.EINVAL, "bad N '" + n + "'");
        }
        return events(n).toArray(new EventDTO[0]);
    }

    /** The last {@code n} entries of the log, each "SEQUENCE MESSAGE" as the log numbers them. */
    private List<EventDTO> events(int n) {
        List<EventDTO> out = new ArrayList<>();
        for (String line : core.events().last(n)) {
            int space = line.indexOf(' ');
            EventDTO e = new EventDTO();
            e.sequence = Long.parseLong(line.substring(0, space));
            e.message = line.substring(space + 1);
            out.add(e);
        }
        return out;
    }

    @Override
    public CountersDTO getCounters() {
        CountersDTO d = new CountersDTO();
        int n = core.cpus();
        d.cpuDrReads = new long[n];
        d.cpuDrWrites = new long[n];
        for (int cpu = 0; cpu < n; cpu++) {
            // The counters themselves, not get_debugreg(): reading them is no register access.
            DebugRegisters r = core.registers(cpu);
            d.cpuDrReads[cpu] = r.reads();
            d.cpuDrWrites[cpu] = r.writes();
            d.drReads += d.cpuDrReads[cpu];
            d.drWrites += d.cpuDrWrites[cpu];
        }
        HwBreakpointCore.Counters c = core.counters();
        d.registrations = c.registrations();
        d.refusals = c.refusals();
        d.debuggerClaims = c.debuggerClaims();
        d.guestClaims = c.guestClaims();
        d.triggers = c.triggers();
        return d;
    }

    @Override
    public CheckDTO check() {
        List<String> problems = core.checkQuiescent();
        CheckDTO d = new CheckDTO();
        d.ok = problems.isEmpty();
        d.problems = problems.toArray(new String[0]);
        return d;
    }
}
