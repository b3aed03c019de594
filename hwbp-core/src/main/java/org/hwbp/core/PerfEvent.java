package org.hwbp.core;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.core.accounting.SlotUser;
import org.hwbp.core.x86.ArchInfo;

/**
 * A breakpoint perf event: attributes, arch info, target, owner, and where it is installed. Its methods that
 * change state delegate to {@link HwBreakpointCore}; the handle itself is only reachable by its owner.
 */
final class PerfEvent implements Breakpoint, SlotUser {
    final long serial;
    final Owner owner;
    final BreakpointHandler handler;
    private final HwBreakpointCore core;
    volatile int id;
    volatile BreakpointSpec spec;
    volatile ArchInfo info;
    /** The bp_type the accounting holds a slot for. */
    volatile int slotType;
    volatile boolean registered;
    volatile boolean reserved;
    volatile boolean preempted;
    /** Installed directly by the debugger (kgdb_correct_hw_break), outside perf scheduling. */
    volatile boolean direct;
    /** The CPU it is installed on, or -1; changed under that CPU's perf context lock. */
    volatile int installedCpu = -1;
    /** A wide breakpoint's per-CPU part. */
    final boolean widePart;

    PerfEvent(HwBreakpointCore core, long serial, Owner owner, BreakpointSpec spec, ArchInfo info,
            BreakpointHandler handler, boolean widePart) {
        this.core = core;
        this.serial = serial;
        this.owner = owner;
        this.spec = spec;
        this.info = info;
        this.slotType = spec.type();
        this.handler = handler;
        this.widePart = widePart;
    }

    @Override
    public int cpu() {
        return spec.cpu();
    }

    @Override
    public int task() {
        return spec.task();
    }

    @Override
    public int slotType() {
        return slotType;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public String owner() {
        return owner.name();
    }

    @Override
    public BreakpointSpec spec() {
        return spec;
    }

    @Override
    public void modify(BreakpointSpec attrs) {
        core.modify(this, attrs);
    }

    @Override
    public void unregister() {
        core.unregister(this);
    }

    @Override
    public boolean isRegistered() {
        return registered;
    }

    @Override
    public boolean isReserved() {
        return reserved;
    }

    @Override
    public boolean isPreempted() {
        return preempted;
    }

    @Override
    public int installedSlot(int cpu) {
        return installedCpu == cpu ? core.slotOf(this, cpu) : -1;
    }

    /** The target as the shell shows it: {@code cpu 0}, {@code task 3}, {@code task 3 cpu 0}. */
    String target() {
        BreakpointSpec s = spec;
        if (s.task() == BreakpointSpec.NO_TASK) {
            return "cpu " + s.cpu();
        }
        return "task " + s.task() + (s.cpu() >= 0 ? " cpu " + s.cpu() : "");
    }

    @Override
    public String toString() {
        return "bp " + id + " (" + owner.name() + ")";
    }

    /** {@code bp 1 (org.hwbp.ptrace-client, task 3)}, or {@code wide 2 (org.hwbp.shell)} for a wide part. */
    @Override
    public String holder() {
        return widePart ? "wide " + id + " (" + owner.name() + ")" : "bp " + id + " (" + owner.name() + ", " + target() + ")";
    }

    @Override
    public long order() {
        return serial;
    }
}
