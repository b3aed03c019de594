package org.hwbp.kgdb.model;

import java.util.ArrayList;
import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.WideBreakpoint;

/**
 * {@code breakinfo[HBP_NUM]} of arch/x86/kernel/kgdb.c, and the online CPUs its per-CPU events cover
 * (for_each_online_cpu()). Not thread-safe: only {@link X86Kgdb} uses it.
 */
final class BreakInfoTable {
    private final BreakInfo[] breakinfo = new BreakInfo[X86Kgdb.HBP_NUM];
    /** The online CPUs: one per-CPU event each (0 while kgdb is disabled). */
    private int cpus;

    BreakInfoTable() {
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            breakinfo[i] = new BreakInfo();
        }
    }

    /** {@code breakinfo[breakno]}. */
    BreakInfo get(int breakno) {
        return breakinfo[breakno];
    }

    /** for_each_online_cpu(): the CPUs kgdb's events cover. */
    int cpus() {
        return cpus;
    }

    void setCpus(int cpus) {
        this.cpus = cpus;
    }

    List<Entry> entries() {
        List<Entry> l = new ArrayList<>();
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            BreakInfo b = breakinfo[i];
            List<Integer> reserved = new ArrayList<>();
            List<Integer> installed = new ArrayList<>();
            if (b.pev != null) {
                List<Breakpoint> pev = b.pev.perCpu();
                for (int cpu = 0; cpu < cpus; cpu++) {
                    if (pev.get(cpu).isReserved()) {
                        reserved.add(cpu);
                    }
                    if (pev.get(cpu).installedSlot(cpu) >= 0) {
                        installed.add(cpu);
                    }
                }
            }
            l.add(new Entry(i, b.enabled, b.addr, b.len, b.type, List.copyOf(reserved), List.copyOf(installed)));
        }
        return l;
    }

    /** The entry whose per-CPU events include {@code bp}, or -1. */
    int entryOf(Breakpoint bp) {
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            WideBreakpoint w = breakinfo[i].pev;
            if (w != null && w.perCpu().contains(bp)) {
                return i;
            }
        }
        return -1;
    }
}
