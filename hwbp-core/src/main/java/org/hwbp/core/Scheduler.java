package org.hwbp.core;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.machine.TaskInfo;

/**
 * The scheduler's side of breakpoints: tasks, the context switch that schedules a task's breakpoint events out
 * and the next task's in (kernel/sched/core.c context_switch() → perf_event_task_sched_out/in), migration (a
 * task switched to another CPU leaves the old one first) and exit (do_exit() → perf_event_exit_task, then
 * ptrace's flush_ptrace_hw_breakpoint through the task listeners).
 *
 * <p>The scheduler lock serializes switches and exits; under it a CPU's perf context is taken, never the
 * reverse (the lock order of {@link HwBreakpointCore}).
 */
final class Scheduler {

    /** Task state the scheduler and perf's task context keep. */
    static final class TaskState {
        final int id;
        final String name;
        volatile boolean alive = true;
        volatile int cpu = -1;
        /** perf's task context: the task's breakpoint events in registration order. */
        final CopyOnWriteArrayList<PerfEvent> events = new CopyOnWriteArrayList<>();

        TaskState(int id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    private final HwBreakpointCore core;
    private final Cpus cpus;
    final ConcurrentHashMap<Integer, TaskState> tasks = new ConcurrentHashMap<>();
    final AtomicInteger nextTask = new AtomicInteger(1);
    private final ReentrantLock schedLock = new ReentrantLock();

    Scheduler(HwBreakpointCore core, Cpus cpus) {
        this.core = core;
        this.cpus = cpus;
    }

    int createTask(String name) {
        core.restart.captureIfStopping();
        int id = nextTask.getAndIncrement();
        tasks.put(id, new TaskState(id, name == null || name.isBlank() ? "task" + id : name));
        return id;
    }

    /** The task {@code id}, ESRCH unless it exists and has not exited (find_get_task_by_vpid). */
    TaskState liveTask(int id) {
        TaskState t = tasks.get(id);
        if (t == null || !t.alive) {
            throw new HwbpException(Errno.ESRCH, "no such task " + id);
        }
        return t;
    }

    TaskInfo task(int id) {
        TaskState t = tasks.get(id);
        if (t == null) {
            throw new HwbpException(Errno.ESRCH, "no such task " + id);
        }
        return info(t);
    }

    private static TaskInfo info(TaskState t) {
        return new TaskInfo(t.id, t.name, t.alive, t.cpu);
    }

    List<TaskInfo> tasks() {
        return tasks.values().stream().sorted(Comparator.comparingInt(t -> t.id)).map(Scheduler::info).toList();
    }

    /**
     * Runs {@code action} with the CPU {@code task} runs on (-1: none) while it stays there: under the scheduler
     * lock no switch or exit moves it.
     */
    void onTaskCpu(int task, IntConsumer action) {
        schedLock.lock();
        try {
            TaskState t = tasks.get(task);
            action.accept(t == null ? -1 : t.cpu);
        } finally {
            schedLock.unlock();
        }
    }

    /** do_exit(): the task leaves its CPU and is gone; TaskListeners (ptrace's flush) are told. */
    void exitTask(int id) {
        core.restart.captureIfStopping();
        TaskState t = liveTask(id);
        schedLock.lock();
        try {
            if (t.cpu >= 0) {
                schedule(t.cpu, Machine.IDLE);
            }
            t.alive = false;
        } finally {
            schedLock.unlock();
        }
        core.listeners.taskExited(id);
    }

    /** Context switch on {@code cpu}: perf schedules the old task's events out and the new task's in. */
    void switchTo(int cpu, int task) {
        core.restart.captureIfStopping();
        cpus.cpu(cpu);
        schedLock.lock();
        try {
            if (task != Machine.IDLE) {
                TaskState t = liveTask(task);
                if (t.cpu >= 0 && t.cpu != cpu) {
                    schedule(t.cpu, Machine.IDLE);
                }
            }
            schedule(cpu, task);
        } finally {
            schedLock.unlock();
        }
    }

    /** The caller holds the scheduler lock. */
    private void schedule(int cpu, int task) {
        cpus.perfContext(cpu).lock();
        try {
            int old = cpus.at(cpu).running();
            if (old == task) {
                return;
            }
            if (old != Machine.IDLE) {
                TaskState o = tasks.get(old);
                for (PerfEvent ev : o.events) {
                    if (ev.installedCpu == cpu) {
                        cpus.shadow(cpu).uninstall(ev);
                        ev.installedCpu = -1;
                    }
                }
                o.cpu = -1;
            }
            cpus.at(cpu).setRunning(task);
            if (task != Machine.IDLE) {
                TaskState t = tasks.get(task);
                t.cpu = cpu;
                for (PerfEvent ev : t.events) {
                    if (ev.installedCpu < 0 && core.pmu.runnable(ev, cpu)) {
                        core.pmu.installOn(ev, cpu);
                    }
                }
            }
        } finally {
            cpus.perfContext(cpu).unlock();
        }
    }

    int running(int cpu) {
        return cpus.cpu(cpu).running();
    }
}
