package org.hwbp.core;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Holder;
import org.hwbp.api.machine.TaskListener;
import org.hwbp.core.claims.Dispatcher;

/**
 * Who is told of claims, releases and task exits: the bundles' {@link HardwareListener}s (optionally of guest
 * entries too) and {@link TaskListener}s (ptrace's flush_ptrace_hw_breakpoint at do_exit). Every callback goes
 * through the {@link Dispatcher}, on the listener bundle's thread: never under a core lock.
 */
final class Listeners {
    private record ListenerReg(String bundle, HardwareListener listener, boolean guest) {
    }

    private record TaskListenerReg(String bundle, TaskListener listener) {
    }

    private final Dispatcher dispatcher;
    private final CopyOnWriteArrayList<ListenerReg> listeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<TaskListenerReg> taskListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger guestListeners = new AtomicInteger();

    Listeners(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    void addListener(String bundle, HardwareListener l, boolean guestEvents) {
        listeners.add(new ListenerReg(bundle, l, guestEvents));
        if (guestEvents) {
            guestListeners.incrementAndGet();
        }
    }

    void removeListener(HardwareListener l) {
        for (ListenerReg r : listeners) {
            if (r.listener == l && listeners.remove(r) && r.guest) {
                guestListeners.decrementAndGet();
            }
        }
    }

    void addTaskListener(String bundle, TaskListener l) {
        taskListeners.add(new TaskListenerReg(bundle, l));
    }

    void removeTaskListener(TaskListener l) {
        taskListeners.removeIf(r -> r.listener == l);
    }

    /** Whether a listener wants guest entries: read on the VM-entry path, so a counter. */
    boolean anyGuestListener() {
        return guestListeners.get() > 0;
    }

    void claimed(Set<Integer> cpuSet, Holder h, boolean guest) {
        for (ListenerReg r : listeners) {
            if (!guest || r.guest) {
                dispatcher.deliver(r.bundle, "claimed", () -> r.listener.claimed(cpuSet, h));
            }
        }
    }

    void released(Set<Integer> cpuSet, Holder h, boolean guest) {
        for (ListenerReg r : listeners) {
            if (!guest || r.guest) {
                dispatcher.deliver(r.bundle, "released", () -> r.listener.released(cpuSet, h));
            }
        }
    }

    void taskExited(int id) {
        for (TaskListenerReg r : taskListeners) {
            dispatcher.deliver(r.bundle, "taskExited", () -> r.listener.taskExited(id));
        }
    }
}
