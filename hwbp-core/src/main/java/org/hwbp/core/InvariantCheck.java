package org.hwbp.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.accounting.SlotAccounting;
import org.hwbp.core.machine.Cpu;
import org.hwbp.core.x86.CpuShadow;

/**
 * Product §8 invariants, checked on demand (hwbp:check, the tests): 1–2 the accounting against a recount
 * ({@link SlotAccounting#verify()}), each slot owned by at most one event that believes it is installed there,
 * and 3 the hardware DR7/DR0–DR3 of every CPU the host holds equal to the shadows cpu_dr7/cpu_debugreg. Takes
 * each CPU's perf-context and register locks in the core's order, so it is safe while other threads work.
 */
final class InvariantCheck {
    private final HwBreakpointCore core;
    private final Cpus cpus;
    private final SlotAccounting accounting;

    InvariantCheck(HwBreakpointCore core, Cpus cpus, SlotAccounting accounting) {
        this.core = core;
        this.cpus = cpus;
        this.accounting = accounting;
    }

    /** Invariants 1–3 now; empty when they hold. */
    List<String> check() {
        List<String> problems = new ArrayList<>(accounting.verify());
        for (Cpu c : cpus.each()) {
            CpuShadow<PerfEvent> sh = cpus.shadow(c.index());
            cpus.perfContext(c.index()).lock();
            c.lock().lock();
            try {
                Set<PerfEvent> seen = new LinkedHashSet<>();
                for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
                    PerfEvent ev = sh.owner(slot);
                    if (ev != null && (!seen.add(ev) || ev.installedCpu != c.index())) {
                        problems.add("CPU " + c.index() + " slot " + slot + " owner " + ev + " is inconsistent");
                    }
                }
                if (c.hostHoldsHardware() && !core.db.inDebugException(c.index())) {
                    checkHardware(c, sh, problems);
                }
            } finally {
                c.lock().unlock();
                cpus.perfContext(c.index()).unlock();
            }
        }
        return problems;
    }

    /** Invariant 3: enable bits, R/W-LEN of enabled slots and their addresses equal the shadows. */
    private static void checkHardware(Cpu c, CpuShadow<PerfEvent> sh, List<String> problems) {
        long hw = c.registers().peek(7);
        long shadowDr7 = sh.dr7();
        for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
            long bits = Dr7.localEnable(slot) | Dr7.globalEnable(slot);
            if ((hw & bits) != (shadowDr7 & bits)) {
                problems.add(String.format("CPU %d DR7 0x%x differs from cpu_dr7 0x%x in slot %d",
                        c.index(), hw, shadowDr7, slot));
            } else if ((shadowDr7 & bits) != 0) {
                if ((hw & Dr7.controlMask(slot)) != (shadowDr7 & Dr7.controlMask(slot))) {
                    problems.add("CPU " + c.index() + " DR7 R/W-LEN of slot " + slot + " differs from cpu_dr7");
                }
                if (c.registers().peek(slot) != sh.address(slot)) {
                    problems.add("CPU " + c.index() + " DR" + slot + " differs from cpu_debugreg");
                }
            }
        }
    }

    /** {@link #check()} plus the core's own view: the events it marks reserved are those the accounting holds. */
    List<String> checkQuiescent() {
        List<String> problems = check();
        Collection<PerfEvent> reserved = core.perf.all.values().stream().filter(e -> e.reserved).toList();
        problems.addAll(accounting.verify(reserved));
        return problems;
    }
}
