package org.hwbp.webconsole;

import java.util.List;
import org.hwbp.api.inspect.BreakpointDTO;
import org.hwbp.api.inspect.CountersDTO;
import org.hwbp.api.inspect.CpuDTO;
import org.hwbp.api.inspect.EventDTO;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.api.inspect.MachineDTO;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;

/**
 * The document {@code /system/console/hwbp.json} serves (its fields are listed in the README): the inspection
 * service's DTOs at one instant, with the texts the shell prints beside the numbers, plus the client bundles
 * and the timeline's step count. Built from one call per DTO kind; as the service says, two calls may see the
 * machine change in between.
 */
final class InspectionJson {
    static final int EVENTS = 20;

    private InspectionJson() {
    }

    /**
     * @param rt the inspection service, or null while hwbp-core is unavailable
     * @param clients the client bundles
     * @param timelineSteps how many steps the page's timeline has recorded
     */
    static String of(HwbpRuntime rt, List<ClientBundle> clients, long timelineSteps) {
        Json j = new Json().object();
        j.field("available", rt != null);
        if (rt != null) {
            MachineDTO m = rt.getMachine();
            BreakpointDTO[] bps = rt.getBreakpoints();
            j.name("machine").object()
                    .field("cpus", m.cpus).field("slotsPerCpu", m.slotsPerCpu).field("policy", m.policy)
                    .field("used", m.used).field("debuggerActive", m.debuggerActive).endObject();
            j.name("cpus").array();
            for (CpuDTO c : rt.getCpus()) {
                cpu(j, c, m.slotsPerCpu, bps);
            }
            j.endArray();
            j.name("breakpoints").array();
            for (BreakpointDTO b : bps) {
                breakpoint(j, b);
            }
            j.endArray();
            j.name("events").array();
            for (EventDTO e : rt.getLatestEvents(EVENTS)) {
                j.object().field("sequence", e.sequence).field("message", e.message).endObject();
            }
            j.endArray();
            CountersDTO n = rt.getCounters();
            j.name("counters").object().field("drReads", n.drReads).field("drWrites", n.drWrites)
                    .field("registrations", n.registrations).field("refusals", n.refusals)
                    .field("debuggerClaims", n.debuggerClaims).field("guestClaims", n.guestClaims)
                    .field("triggers", n.triggers).endObject();
        }
        j.name("clients").array();
        for (ClientBundle b : clients) {
            j.object().field("id", b.id()).field("name", b.name()).field("version", b.version())
                    .field("state", b.state()).endObject();
        }
        j.endArray();
        j.name("timeline").object().field("steps", timelineSteps).endObject();
        return j.endObject().toString();
    }

    private static void cpu(Json j, CpuDTO c, int slots, BreakpointDTO[] bps) {
        int installed = 0;
        for (String o : c.bpPerRegOwner) {
            installed += o == null ? 0 : 1;
        }
        String holder = "GUEST".equals(c.holder.kind) ? "GUEST " + c.holder.vm + "/" + c.holder.vcpu
                : c.holder.kind;
        j.object().field("id", c.id).field("holder", holder).field("holderKind", c.holder.kind)
                .field("slots", c.slotsInUse + "/" + slots).field("slotsInUse", c.slotsInUse)
                .field("installed", installed)
                .field("dr7", RegisterText.hex(c.dr7)).field("dr7Decoded", Dr7.describe(c.dr7))
                .field("dr6", RegisterText.hex(c.dr6)).field("dr6Decoded", Dr6.describe(c.dr6))
                .field("cpuDr7", RegisterText.hex(c.cpuDr7)).field("cpuDr7Decoded", Dr7.describe(c.cpuDr7))
                .field("task", c.runningTask == 0 ? "idle" : "task " + c.runningTask)
                .field("hwBreakpointActive", c.hwBreakpointActive);
        j.name("regs").array();
        for (int i = 0; i < c.debugreg.length; i++) {
            j.object().field("reg", "DR" + i).field("address", RegisterText.hex(c.debugreg[i]))
                    .field("state", Dr7.describeSlot(c.dr7, i))
                    .field("shadow", RegisterText.hex(c.cpuDebugreg[i]));
            String owner = i < c.bpPerRegOwner.length ? c.bpPerRegOwner[i] : null;
            j.field("owner", owner);
            if (owner != null) {
                j.field("id", c.bpPerRegId[i]);
                BreakpointDTO b = find(bps, owner, c.bpPerRegId[i], c.id, i);
                if (b != null) {
                    j.field("target", RegisterText.target(b.spec)).field("length", b.spec.length)
                            .field("type", RegisterText.type(b.spec.type));
                }
            }
            j.endObject();
        }
        j.endArray().endObject();
    }

    private static void breakpoint(Json j, BreakpointDTO b) {
        j.object().field("owner", b.owner).field("id", b.id).field("state", b.state)
                .field("address", RegisterText.hex(b.spec.address)).field("length", b.spec.length)
                .field("type", RegisterText.type(b.spec.type)).field("target", RegisterText.target(b.spec))
                .field("disabled", b.spec.disabled).field("user", b.spec.excludeKernel);
        j.name("installed").array();
        for (int cpu = 0; cpu < b.installedSlot.length; cpu++) {
            if (b.installedSlot[cpu] >= 0) {
                j.object().field("cpu", cpu).field("slot", b.installedSlot[cpu]).endObject();
            }
        }
        j.endArray().endObject();
    }

    /** The breakpoint in a slot: a wide breakpoint's parts share owner and id, so the part installed there. */
    private static BreakpointDTO find(BreakpointDTO[] bps, String owner, int id, int cpu, int slot) {
        BreakpointDTO any = null;
        for (BreakpointDTO b : bps) {
            if (b.owner.equals(owner) && b.id == id) {
                if (cpu < b.installedSlot.length && b.installedSlot[cpu] == slot) {
                    return b;
                }
                any = any == null ? b : any;
            }
        }
        return any;
    }
}
