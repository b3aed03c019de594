package org.hwbp.api.machine;

import java.util.List;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Holder;
import org.osgi.annotation.versioning.ProviderType;

/** The simulated machine: CPUs with debug registers, tasks and their scheduling, memory accesses. */
@ProviderType
public interface Machine {

    /** Task id that stands for "no task" (the idle task). */
    int IDLE = 0;

    /** Number of (online) CPUs. */
    int cpus();

    /** Creates a task; ids start at 1. */
    int createTask(String name);

    /** The task, or ESRCH. */
    TaskInfo task(int id);

    List<TaskInfo> tasks();

    /** The task exits: it is descheduled, TaskListeners are told, new registrations on it get ESRCH. */
    void exitTask(int id);

    /** Schedules {@code task} (or {@link #IDLE}) on {@code cpu}: the previous task's breakpoints are scheduled out. */
    void switchTo(int cpu, int task);

    /** The task running on {@code cpu}, or {@link #IDLE}. */
    int running(int cpu);

    /** The running task (or the kernel, {@code kernelMode}) accesses memory on {@code cpu}. */
    AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode);

    /** The CPU's debug registers. */
    DebugRegisters registers(int cpu);

    /** Who holds the CPU's debug registers. */
    Holder holder(int cpu);

    /**
     * Claims {@code cpu} for a vCPU about to enter the guest. EBUSY while the debugger holds the CPU (the vCPU
     * then runs with debug registers switched off) or another guest runs there.
     */
    GuestSession enterGuest(int cpu, int vm, int vcpu);
}
