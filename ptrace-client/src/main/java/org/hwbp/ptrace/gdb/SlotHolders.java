package org.hwbp.ptrace.gdb;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.inspect.BreakpointDTO;
import org.hwbp.api.inspect.CpuDTO;
import org.hwbp.api.inspect.HwbpRuntime;

/**
 * Who holds a CPU's debug-register slots, one line, from the inspection API: the CPU's holder, the slots the
 * accounting reserves there, and every reserved breakpoint that counts on that CPU (bound to it, or a task's
 * on every CPU) with its owner bundle, target, address, length and type.
 */
public final class SlotHolders implements Function<Integer, String> {
    private final Supplier<HwbpRuntime> runtime;

    /** @param runtime the inspection service, or null while the core is away */
    public SlotHolders(Supplier<HwbpRuntime> runtime) {
        this.runtime = runtime;
    }

    @Override
    public String apply(Integer cpu) {
        HwbpRuntime r = runtime.get();
        if (r == null) {
            throw new HwbpException(Errno.EBUSY, "core unavailable");
        }
        CpuDTO c = r.getCpu(cpu);
        List<String> l = new ArrayList<>();
        for (BreakpointDTO b : r.getBreakpoints()) {
            if (b.reserved && (b.spec.cpu == cpu || b.spec.cpu == BreakpointSpec.ANY_CPU)) {
                l.add(String.format("%s bp %d (%s 0x%x len %d %s)", b.owner, b.id,
                        b.spec.task != 0 ? "task " + b.spec.task : "CPU " + b.spec.cpu, b.spec.address,
                        b.spec.length, BreakpointSpec.typeName(b.spec.type)));
            }
        }
        return String.format("hwbp: CPU %d (held by %s%s) slots %d in use: %s", cpu, c.holder.kind,
                "GUEST".equals(c.holder.kind) ? " " + c.holder.vm + "/" + c.holder.vcpu : "", c.slotsInUse,
                l.isEmpty() ? "none" : String.join(", ", l));
    }
}
