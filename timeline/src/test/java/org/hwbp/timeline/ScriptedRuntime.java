package org.hwbp.timeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hwbp.api.inspect.BreakpointDTO;
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

/**
 * An inspection service whose state the test sets step by step (holders, slots, log lines, refusal counter),
 * with the cursor semantics of {@link HwbpRuntime#getEvents}: the recorder is tested against exactly what the
 * interface promises.
 */
final class ScriptedRuntime implements HwbpRuntime {
    final String[] holders;
    final String[][] owners;
    final int[][] ids;
    final List<String> log = new ArrayList<>();
    long firstSequence = 1;
    long refusals;
    long guestClaims;

    ScriptedRuntime(int cpus) {
        holders = new String[cpus];
        Arrays.fill(holders, "HOST");
        owners = new String[cpus][4];
        ids = new int[cpus][4];
    }

    void slot(int cpu, int slot, String owner, int id) {
        owners[cpu][slot] = owner;
        ids[cpu][slot] = owner == null ? 0 : id;
    }

    void event(String message) {
        log.add(message);
    }

    /** A new core: the log numbers from 1 again. */
    void restartLog() {
        log.clear();
        firstSequence = 1;
    }

    @Override
    public CpuDTO[] getCpus() {
        CpuDTO[] cpus = new CpuDTO[holders.length];
        for (int c = 0; c < cpus.length; c++) {
            CpuDTO d = new CpuDTO();
            d.id = c;
            d.holder = new HolderDTO();
            d.holder.kind = holders[c].split(" ")[0];
            d.holder.vcpu = -1;
            if (holders[c].startsWith("GUEST")) {
                String[] vv = holders[c].split(" ")[1].split("/");
                d.holder.vm = Integer.parseInt(vv[0]);
                d.holder.vcpu = Integer.parseInt(vv[1]);
            }
            d.bpPerRegOwner = owners[c].clone();
            d.bpPerRegId = ids[c].clone();
            cpus[c] = d;
        }
        return cpus;
    }

    @Override
    public EventPageDTO getEvents(long after, int max) {
        EventPageDTO p = new EventPageDTO();
        long latest = firstSequence + log.size() - 1;
        p.latest = log.isEmpty() ? 0 : latest;
        p.oldest = log.isEmpty() ? 0 : firstSequence;
        List<EventDTO> out = new ArrayList<>();
        for (int i = 0; i < log.size() && out.size() < max; i++) {
            long seq = firstSequence + i;
            if (seq > after) {
                EventDTO e = new EventDTO();
                e.sequence = seq;
                e.message = log.get(i);
                out.add(e);
            }
        }
        p.events = out.toArray(new EventDTO[0]);
        p.next = out.isEmpty() ? after : out.get(out.size() - 1).sequence;
        return p;
    }

    @Override
    public CountersDTO getCounters() {
        CountersDTO c = new CountersDTO();
        c.refusals = refusals;
        c.guestClaims = guestClaims;
        return c;
    }

    @Override
    public MachineDTO getMachine() {
        throw new UnsupportedOperationException("the recorder reads CPUs, events and counters only");
    }

    @Override
    public CpuDTO getCpu(int cpu) {
        return getCpus()[cpu];
    }

    @Override
    public BreakpointDTO[] getBreakpoints() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ReturningBreakpointDTO[] getReturningBreakpoints(String owner) {
        throw new UnsupportedOperationException();
    }

    @Override
    public TaskDTO[] getTasks() {
        throw new UnsupportedOperationException();
    }

    @Override
    public EventDTO[] getLatestEvents(int n) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CheckDTO check() {
        throw new UnsupportedOperationException();
    }
}
