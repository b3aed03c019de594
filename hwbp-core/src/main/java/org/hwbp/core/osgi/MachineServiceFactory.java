package org.hwbp.core.osgi;

import java.util.List;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Holder;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.GuestSession;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.machine.TaskInfo;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

/** The bundle-scoped {@link Machine}: guest sessions a bundle left open end when it releases the service. */
@Component(scope = ServiceScope.BUNDLE, service = Machine.class)
public final class MachineServiceFactory implements Machine {
    private final MachineImpl delegate;

    @Activate
    public MachineServiceFactory(ComponentContext context, @Reference HwBreakpointCore core) {
        this.delegate = new MachineImpl(core, context.getUsingBundle().getSymbolicName());
    }

    @Deactivate
    void deactivate() {
        delegate.close();
    }

    @Override
    public int cpus() {
        return delegate.cpus();
    }

    @Override
    public int createTask(String name) {
        return delegate.createTask(name);
    }

    @Override
    public TaskInfo task(int id) {
        return delegate.task(id);
    }

    @Override
    public List<TaskInfo> tasks() {
        return delegate.tasks();
    }

    @Override
    public void exitTask(int id) {
        delegate.exitTask(id);
    }

    @Override
    public void switchTo(int cpu, int task) {
        delegate.switchTo(cpu, task);
    }

    @Override
    public int running(int cpu) {
        return delegate.running(cpu);
    }

    @Override
    public AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode) {
        return delegate.access(cpu, address, length, kind, kernelMode);
    }

    @Override
    public AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode, long value) {
        return delegate.access(cpu, address, length, kind, kernelMode, value);
    }

    @Override
    public byte[] readMemory(long address, int length) {
        return delegate.readMemory(address, length);
    }

    @Override
    public void writeMemory(long address, byte[] bytes) {
        delegate.writeMemory(address, bytes);
    }

    @Override
    public DebugRegisters registers(int cpu) {
        return delegate.registers(cpu);
    }

    @Override
    public Holder holder(int cpu) {
        return delegate.holder(cpu);
    }

    @Override
    public GuestSession enterGuest(int cpu, int vm, int vcpu) {
        return delegate.enterGuest(cpu, vm, vcpu);
    }
}
