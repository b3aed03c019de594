package org.hwbp.core.accounting;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * bp_constraints_lock()/bp_constraints_unlock() and bp_constraints_is_locked() of kernel/events/hw_breakpoint.c:
 * a task breakpoint takes its task's mutex, then {@code bp_cpuinfo_sem} for reading (registrations for different
 * tasks run in parallel); a CPU breakpoint takes it for writing. Also the fail-fast path of kgdb's
 * dbg_reserve_bp_slot()/dbg_release_bp_slot(), which never waits for these locks ({@link #runUnlessLocked}).
 * Owns {@code task_bps_ht}, whose entries carry the task mutexes.
 */
final class ConstraintLocks {
    /** task_bps_ht: each task's breakpoints, guarded by the task's mutex. */
    private final ConcurrentHashMap<Integer, TaskBps> taskBps = new ConcurrentHashMap<>();
    /** bp_cpuinfo_sem. */
    private final ReentrantReadWriteLock constraints = new ReentrantReadWriteLock();

    TaskBps task(int task) {
        TaskBps t = taskBps.get(task);
        return t != null ? t : taskBps.computeIfAbsent(task, k -> new TaskBps());
    }

    /** {@code bp}'s task entry, null for a CPU breakpoint (the caller holds the constraint locks). */
    TaskBps taskOf(SlotUser bp) {
        return bp.task() == BreakpointSpec.NO_TASK ? null : task(bp.task());
    }

    /**
     * bp_constraints_lock(): blocks until the locks {@code bp}'s registration needs are held; returns the task's
     * entry whose mutex is now held (read side taken too), or null for a CPU breakpoint (write side taken).
     */
    TaskBps lock(SlotUser bp) {
        if (bp.task() != BreakpointSpec.NO_TASK) {
            TaskBps t = task(bp.task());
            t.mutex.lock();
            constraints.readLock().lock();
            return t;
        }
        constraints.writeLock().lock();
        return null;
    }

    /** bp_constraints_unlock() of what {@link #lock} returned. */
    void unlock(TaskBps t) {
        if (t == null) {
            constraints.writeLock().unlock();
        } else {
            constraints.readLock().unlock();
            t.mutex.unlock();
        }
    }

    /** The write side alone: excludes every registration (the recount of the tables). */
    void lockAll() {
        constraints.writeLock().lock();
    }

    void unlockAll() {
        constraints.writeLock().unlock();
    }

    /** Every task's breakpoints; the caller holds {@link #lockAll()}. */
    List<SlotUser> taskBreakpoints() {
        List<SlotUser> all = new ArrayList<>();
        for (TaskBps t : taskBps.values()) {
            all.addAll(t.bps);
        }
        return all;
    }

    /** Each task's list; the caller holds {@link #lockAll()}. */
    Iterable<Map.Entry<Integer, TaskBps>> tasks() {
        return taskBps.entrySet();
    }

    /**
     * Runs {@code action} with {@code bp}'s constraint locks if they are free right now; EBUSY otherwise. The
     * kernel checks bp_constraints_is_locked() and then runs unlocked because every other CPU is stopped;
     * here other threads keep running, so the check is a try-lock that also excludes them for the duration.
     */
    void runUnlessLocked(SlotUser bp, Runnable action) {
        if (bp.task() != BreakpointSpec.NO_TASK) {
            ReentrantLock mutex = task(bp.task()).mutex;
            if (!mutex.tryLock()) {
                throw locked();
            }
            try {
                if (!constraints.readLock().tryLock()) {
                    throw locked();
                }
                try {
                    action.run();
                } finally {
                    constraints.readLock().unlock();
                }
            } finally {
                mutex.unlock();
            }
        } else {
            if (!constraints.writeLock().tryLock()) {
                throw locked();
            }
            try {
                action.run();
            } finally {
                constraints.writeLock().unlock();
            }
        }
    }

    private static HwbpException locked() {
        return new HwbpException(Errno.EBUSY, "breakpoint constraints are locked by a registration in flight");
    }
}
