package org.hwbp.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.core.machine.Cpu;
import org.hwbp.core.x86.CpuShadow;
import org.hwbp.core.x86.KernelAddressMap;

/**
 * The possible CPUs and what Linux keeps per CPU for breakpoints: the CPU itself (its debug registers, holder
 * and running task), the x86 shadows {@code cpu_dr7}/{@code cpu_debugreg}/{@code bp_per_reg}
 * (arch/x86/kernel/hw_breakpoint.c), and the lock of its perf context (kernel/events/core.c's
 * {@code perf_cpu_context}, under which pmu->add/del run).
 */
final class Cpus {
    final int count;
    private final Cpu[] cpus;
    private final List<CpuShadow<PerfEvent>> shadows = new ArrayList<>();
    private final ReentrantLock[] perfContext;
    /** Every CPU, as the debugger's claim reports them; built once (the claim path allocates little). */
    final Set<Integer> all;
    final String allLabel;

    Cpus(int ncpus) {
        if (ncpus < 1 || ncpus > KernelAddressMap.NR_CPUS) {
            throw new HwbpException(Errno.EINVAL, "cpus must be 1.." + KernelAddressMap.NR_CPUS + ": " + ncpus);
        }
        this.count = ncpus;
        Set<Integer> every = new LinkedHashSet<>();
        for (int i = 0; i < ncpus; i++) {
            every.add(i);
        }
        this.all = Collections.unmodifiableSet(every);
        this.allLabel = cpuList(all);
        this.cpus = new Cpu[ncpus];
        this.perfContext = new ReentrantLock[ncpus];
        for (int i = 0; i < ncpus; i++) {
            cpus[i] = new Cpu(i);
            shadows.add(new CpuShadow<>(cpus[i]));
            perfContext[i] = new ReentrantLock();
        }
    }

    /** CPU {@code cpu}, EINVAL if there is no such CPU (a user's number). */
    Cpu cpu(int cpu) {
        if (cpu < 0 || cpu >= count) {
            throw new HwbpException(Errno.EINVAL, "no CPU " + cpu + " (0.." + (count - 1) + ")");
        }
        return cpus[cpu];
    }

    /** CPU {@code cpu}, a number the core derived itself (not checked). */
    Cpu at(int cpu) {
        return cpus[cpu];
    }

    Cpu[] each() {
        return cpus;
    }

    CpuShadow<PerfEvent> shadow(int cpu) {
        return shadows.get(cpu);
    }

    List<CpuShadow<PerfEvent>> shadows() {
        return shadows;
    }

    /** The lock of {@code cpu}'s perf context: taken before that CPU's register lock, never after. */
    ReentrantLock perfContext(int cpu) {
        return perfContext[cpu];
    }

    /** The events installed on {@code cpu}, by slot. */
    List<PerfEvent> installedOn(int cpu) {
        List<PerfEvent> l = new ArrayList<>();
        CpuShadow<PerfEvent> sh = shadows.get(cpu);
        for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
            PerfEvent ev = sh.owner(slot);
            if (ev != null) {
                l.add(ev);
            }
        }
        return l;
    }

    /** {@code 0-3} for a contiguous range, else {@code 0,2}: as the claim and release events name CPUs. */
    static String cpuList(Set<Integer> cpuSet) {
        List<Integer> l = new ArrayList<>(cpuSet);
        if (l.size() > 1 && l.get(l.size() - 1) - l.get(0) == l.size() - 1) {
            return l.get(0) + "-" + l.get(l.size() - 1);
        }
        StringBuilder sb = new StringBuilder();
        for (int c : l) {
            sb.append(sb.length() == 0 ? "" : ",").append(c);
        }
        return sb.toString();
    }
}
