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

    /**
     * The running task (or the kernel, {@code kernelMode}) accesses memory on {@code cpu}: a read returns the
     * bytes there in {@link AccessResult#value()}, a write stores 0 in them. EINVAL for a length other than 1, 2,
     * 4 or 8, or a user access on a CPU that runs no task.
     */
    AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode);

    /**
     * As {@link #access(int, long, int, AccessKind, boolean)}, a write storing {@code value} little-endian in
     * {@code length} bytes before the #DB (x86 data breakpoints are traps: the write has happened when the
     * handler runs). EINVAL if {@code value} does not fit in {@code length} bytes; ignored by reads and fetches.
     *
     * @since 1.1
     */
    AccessResult access(int cpu, long address, int length, AccessKind kind, boolean kernelMode, long value);

    /**
     * The {@code length} bytes of simulated memory at {@code address} (bytes never written read 0), as a
     * debugger or a DMA would read them: no CPU accesses them, so no breakpoint matches and no debug register
     * is touched. EINVAL if {@code length} is negative or above 65536, or the range runs past the top of the
     * 64-bit address space.
     *
     * @since 1.1
     */
    byte[] readMemory(long address, int length);

    /**
     * Stores {@code bytes} at {@code address} as {@link #readMemory} reads: no #DB, no register access. The
     * same EINVAL checks; EBUSY while the core is paused (its bundle stopping).
     *
     * @since 1.1
     */
    void writeMemory(long address, byte[] bytes);

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
