package org.hwbp.core.osgi;

import org.hwbp.api.inspect.BreakpointDTO;
import org.hwbp.api.inspect.CheckDTO;
import org.hwbp.api.inspect.CountersDTO;
import org.hwbp.api.inspect.CpuDTO;
import org.hwbp.api.inspect.EventDTO;
import org.hwbp.api.inspect.EventPageDTO;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.api.inspect.MachineDTO;
import org.hwbp.api.inspect.ReturningBreakpointDTO;
import org.hwbp.api.inspect.TaskDTO;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.inspect.CoreInspector;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@link HwbpRuntime} service (a singleton: reading needs no owner scope). Bound statically to the machine:
 * a new CPU count is a new machine, and this component follows it.
 */
@Component(service = HwbpRuntime.class)
public final class HwbpRuntimeComponent implements HwbpRuntime {
    private final CoreInspector inspector;

    @Activate
    public HwbpRuntimeComponent(@Reference HwBreakpointCore core) {
        this.inspector = new CoreInspector(core);
    }

    @Override
    public MachineDTO getMachine() {
        return inspector.getMachine();
    }

    @Override
    public CpuDTO[] getCpus() {
        return inspector.getCpus();
    }

    @Override
    public CpuDTO getCpu(int cpu) {
        return inspector.getCpu(cpu);
    }

    @Override
    public BreakpointDTO[] getBreakpoints() {
        return inspector.getBreakpoints();
    }

    @Override
    public ReturningBreakpointDTO[] getReturningBreakpoints(String owner) {
        return inspector.getReturningBreakpoints(owner);
    }

    @Override
    public TaskDTO[] getTasks() {
        return inspector.getTasks();
    }

    @Override
    public EventPageDTO getEvents(long after, int max) {
        return inspector.getEvents(after, max);
    }

    @Override
    public EventDTO[] getLatestEvents(int n) {
        return inspector.getLatestEvents(n);
    }

    @Override
    public CountersDTO getCounters() {
        return inspector.getCounters();
    }

    @Override
    public CheckDTO check() {
        return inspector.check();
    }
}
