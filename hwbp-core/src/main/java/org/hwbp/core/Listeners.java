package org.hwbp.core;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Holder;
import org.hwbp.api.machine.DebugExceptionListener;
import org.hwbp.api.machine.TaskListener;
import org.hwbp.core.claims.Dispatcher;

/**
 * Who is told of claims, releases, task exits and user-mode #DBs: the bundles' {@link HardwareListener}s
 * (optionally of guest entries too), {@link TaskListener}s (ptrace's flush_ptrace_hw_breakpoint at do_exit) and
 * {@link DebugExceptionListener}s (ptrace's virtual_dr6 reset at exc_debug_user()). Every callback goes through
 * the {@link Dispatcher}, on the listener bundle's thread: never under a core lock. Each call walks a snapshot
 * of the registrations (copy-on-write lists), so a listener may come or go meanwhile.
 */
final class Listeners {
    private record ListenerReg(String bundle, HardwareListener listener, boolean guest) {
    }

    private record TaskListenerReg(String bundle, TaskListener listener) {
    }

    private record DebugExceptionListenerReg(String bundle, DebugExceptionListener listener) {
    }

    private final Dispatcher dispatcher;
    private final CopyOnWriteArrayList<ListenerReg> listeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<TaskListenerReg> taskListeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<DebugExceptionListenerReg> debugExceptionListeners =
            new CopyOnWriteArrayList<>();
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

    void addDebugExceptionListener(String bundle, DebugExceptionListener l) {
        debugExceptionListeners.add(new DebugExceptionListenerReg(bundle, l));
    }

    void removeDebugExceptionListener(DebugExceptionListener l) {
        debugExceptionListeners.removeIf(r -> r.listener == l);
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

    /**
     * exc_debug_user()'s entry: each listener is told, and has returned (the dispatcher waits for it), before
     * the caller runs the #DB's handlers. A listener's own handlers share its bundle's lane, so they follow
     * its call even when the bounded wait gave up on it.
     */
    void userDebugException(int cpu, int task, long dr6, long exception) {
        for (DebugExceptionListenerReg r : debugExceptionListeners) {
            dispatcher.deliver(r.bundle, "userDebugException",
                    () -> r.listener.userDebugException(cpu, task, dr6, exception));
        }
    }
}
