package org.hwbp.ptrace.gdb;

import java.util.List;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Holder;
import org.hwbp.api.PreemptReason;
import org.hwbp.api.machine.Machine;

/**
 * The console lines that tell gdb's user one of the task's breakpoints was suspended (kgdb or a guest claimed
 * its CPUs' debug registers, or the debugger-priority policy took its slot) and restored: the tracee
 * observer's {@code preempted} and {@code restored}, which gdb itself has no stop or packet for.
 */
final class PreemptionNotices {
    private final Machine machine;
    private final int task;
    /** The CPUs named when a breakpoint was preempted, for the line that tells it is restored. */
    private volatile String lastClaimedCpus = "";

    PreemptionNotices(Machine machine, int task) {
        this.machine = machine;
        this.task = task;
    }

    String suspended(int dr, Breakpoint bp, PreemptReason reason) {
        String who = switch (reason) {
            case DEBUGGER_CLAIM -> {
                lastClaimedCpus = Cpus.where(machine, h -> h.kind() == Holder.Kind.DEBUGGER);
                yield lastClaimedCpus + " claimed by the debugger (kgdb)";
            }
            case GUEST_CLAIM -> {
                int cpu = machine.task(task).cpu();
                lastClaimedCpus = Cpus.name(List.of(Math.max(cpu, 0)));
                yield lastClaimedCpus + " claimed by " + (cpu >= 0 ? machine.holder(cpu) : "a guest");
            }
            case DEBUGGER_PRIORITY -> {
                lastClaimedCpus = "";
                yield "slot taken by the debugger (debugger-priority policy)";
            }
        };
        return "hwbp: " + who + ": " + describe(dr, bp) + " suspended\n";
    }

    String restored(int dr, Breakpoint bp) {
        String cpus = lastClaimedCpus;
        return "hwbp: " + (cpus.isEmpty() ? "slot given back" : cpus + " released") + ": " + describe(dr, bp)
                + " restored\n";
    }

    /** A gdb-side name of virtual DR{@code dr}'s breakpoint: its kind, address and length. */
    private static String describe(int dr, Breakpoint bp) {
        BreakpointSpec s = bp.spec();
        String kind = switch (s.type()) {
            case BreakpointSpec.X -> "hardware breakpoint";
            case BreakpointSpec.W -> "watchpoint";
            default -> "access watchpoint";
        };
        return String.format("%s 0x%x len %d (task DR%d)", kind, s.address(), s.length(), dr);
    }
}
