package org.hwbp.core;

import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.HwbpException;

/**
 * perf's scheduling of breakpoint events onto CPUs: the breakpoint PMU's add/del (kernel/events/hw_breakpoint.c
 * hw_breakpoint_add/hw_breakpoint_del → arch_install_hw_breakpoint/arch_uninstall_hw_breakpoint, done by
 * {@link org.hwbp.core.x86.CpuShadow}) and event_filter_match(): which event belongs on which CPU now. Every
 * install and uninstall runs under the target CPU's perf-context lock.
 */
final class BreakpointPmu {
    private final HwBreakpointCore core;
    private final Cpus cpus;

    BreakpointPmu(HwBreakpointCore core, Cpus cpus) {
        this.core = core;
        this.cpus = cpus;
    }

    /** Whether {@code ev} belongs on {@code cpu} now; the caller holds that CPU's perf context. */
    boolean runnable(PerfEvent ev, int cpu) {
        BreakpointSpec s = ev.spec;
        if (!ev.registered || !ev.reserved || ev.preempted || ev.direct || s.disabled()) {
            return false;
        }
        if (!s.isTaskBound()) {
            return s.cpu() == cpu;
        }
        return cpus.at(cpu).running() == s.task() && (s.cpu() < 0 || s.cpu() == cpu);
    }

    /** The CPU the event would be installed on now, or -1. */
    private int targetCpu(PerfEvent ev) {
        BreakpointSpec s = ev.spec;
        if (!s.isTaskBound()) {
            return s.cpu();
        }
        Scheduler.TaskState t = core.sched.tasks.get(s.task());
        int cpu = t == null ? -1 : t.cpu;
        return cpu >= 0 && (s.cpu() < 0 || s.cpu() == cpu) ? cpu : -1;
    }

    void installIfRunnable(PerfEvent ev) {
        int cpu = targetCpu(ev);
        if (cpu < 0) {
            return;
        }
        cpus.perfContext(cpu).lock();
        try {
            if (ev.installedCpu < 0 && runnable(ev, cpu)) {
                installOn(ev, cpu);
            }
        } finally {
            cpus.perfContext(cpu).unlock();
        }
    }

    /** pmu->add → arch_install_hw_breakpoint(); the caller holds the CPU's perf context. */
    void installOn(PerfEvent ev, int cpu) {
        try {
            cpus.shadow(cpu).install(ev, ev.info, core.restart.hintKey(ev));
            ev.installedCpu = cpu;
        } catch (HwbpException e) {
            core.log.add("error " + ev + " could not be installed on CPU " + cpu + ": " + e.getMessage());
        }
    }

    /**
     * The uninstall of an event just marked unregistered: perf_remove_from_context() reaches only the event's own
     * context, and so does this. A context switch (or another install path) may have found the event runnable
     * under a CPU's perf context just before and be installing it now; that CPU is the event's own (a CPU-bound
     * event's) or the one its task runs on, which cannot change while the scheduler lock is held nor while an
     * install there holds the perf context. Taking that one context waits out such an install (the race the
     * reliability churn test found: an unregistered event stayed in a slot). Every CPU's context was taken
     * before, which made an unregistration cost O(cpus) lock round trips.
     */
    void uninstallUnregistered(PerfEvent ev) {
        BreakpointSpec s = ev.spec;
        if (!s.isTaskBound()) {
            uninstallFrom(ev, s.cpu());
            return;
        }
        core.sched.onTaskCpu(s.task(), cpu -> {
            if (cpu >= 0) {
                uninstallFrom(ev, cpu);
            }
        });
    }

    /** pmu->del → arch_uninstall_hw_breakpoint(). */
    void uninstall(PerfEvent ev) {
        int cpu = ev.installedCpu;
        if (cpu >= 0) {
            uninstallFrom(ev, cpu);
        }
    }

    /** Uninstalls {@code ev} from {@code cpu} under that CPU's perf context, if it is installed there. */
    private void uninstallFrom(PerfEvent ev, int cpu) {
        cpus.perfContext(cpu).lock();
        try {
            if (ev.installedCpu == cpu) {
                cpus.shadow(cpu).uninstall(ev);
                ev.installedCpu = -1;
            }
        } finally {
            cpus.perfContext(cpu).unlock();
        }
    }

    int slotOf(PerfEvent ev, int cpu) {
        return cpus.shadow(cpu).slotOf(ev);
    }
}
