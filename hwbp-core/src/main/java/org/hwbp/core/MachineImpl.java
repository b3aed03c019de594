package org.hwbp.core;

import java.util.List;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Holder;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.GuestSession;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.machine.TaskInfo;

/** One client's view of the simulated machine; guest sessions it opened end with {@link #close()}. */
public final class MachineImpl implements Machine, AutoCloseable {
    private final HwBreakpointCore core;
    private final Owner owner;

    public MachineImpl(HwBreakpointCore core, String ownerName) {
        this.core = core;
        this.owner = core.openOwner(ownerName);
    }

    @Override
    public int cpus() {
        return core.cpus();
    }

    @Override
    public int createTask(String name) {
        return core.createTask(name);
    }

    @Override
    public TaskInfo task(int id) {
        return core.task(id);
    }

    @Override
    public List<TaskInfo> tasks() {
        return core.tasks();
    }

    @Override
    public void exitTask(int id) {
        core.exitTask(id);
    }

    @Override
    public void switchTo(int cpu, int task) {
        core.switchTo(cpu, task);
    }

    @Override
    public int running(int cpu) {
        return core.running(cpu);
    }

    @Override
    public AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode) {
        return core.access(cpu, address, length, kind, kernelMode);
    }

    @Override
    public AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode, long value) {
        return core.access(cpu, address, length, kind, kernelMode, value);
    }

    @Override
    public byte[] readMemory(long address, int length) {
        return core.readMemory(address, length);
    }

    @Override
    public void writeMemory(long address, byte[] bytes) {
        core.writeMemory(address, bytes);
    }

    @Override
    public DebugRegisters registers(int cpu) {
        return core.registers(cpu);
    }

    @Override
    public Holder holder(int cpu) {
        return core.holder(cpu);
    }

    @Override
    public GuestSession enterGuest(int cpu, int vm, int vcpu) {
        return core.enterGuest(owner, cpu, vm, vcpu);
    }

    @Override
    public void close() {
        core.closeOwner(owner);
    }
}
