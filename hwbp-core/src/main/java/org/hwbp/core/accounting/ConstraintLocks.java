package org.hwbp.core.accounting;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * bp_constraints_lock()/bp_constraints_unlock() and bp_constraints_is_locked() of kernel/events/hw_breakpoint.c:
 * a task breakpoint takes its task's mutex, then {@code bp_cpuinfo_sem} for reading (registrations for different
 * tasks run in parallel); a CPU breakpoint takes it for writing. Also the fail-fast path of kgdb's
 * dbg_reserve_bp_slot()/dbg_release_bp_slot(), which never waits for these locks ({@link #runUnlessLocked}).
 * Owns {@code task_bps_ht}, whose entries carry the task mutexes.
 *
 * <p>{@code bp_cpuinfo_sem} is a percpu_rw_semaphore (kernel/locking/percpu-rwsem.c): a reader pays no atomic
 * instruction while no writer is around (percpu_down_read() only increments its CPU's count), a writer pays for
 * it (percpu_down_write() sets {@code block} and waits until the readers' counts drain). The same trade here: a
 * task breakpoint's reader is already counted by the task mutex it holds, so its read side is one look at the
 * writer's {@link #writing} flag after taking that mutex (__percpu_down_read_trylock: count, full barrier, check
 * {@code block}, back off if set); the writer sets the flag and waits for every task mutex held before it
 * (readers_active_check()). A reader and a writer each write one variable and then read the other's (the mutex
 * state, the flag), all volatile: at least one of them sees the other, so a reader that saw no writer is waited
 * for, and a reader the writer did not wait for saw the flag and backed off. This took two atomic instructions off
 * each task breakpoint's reservation and release (a ReentrantReadWriteLock's read side, locked and unlocked).
 */
final class ConstraintLocks {
    /** task_bps_ht: each task's breakpoints, guarded by the task's mutex. */
    private final ConcurrentHashMap<Integer, TaskBps> taskBps = new ConcurrentHashMap<>();
    /** bp_cpuinfo_sem's writers, one at a time (its rw_sem writer side). */
    private final ReentrantLock writer = new ReentrantLock();
    /**
     * bp_cpuinfo_sem's {@code block}: a writer holds, or is waiting for, the write side; readers arriving now back
     * off and wait for {@link #writer}.
     */
    private volatile boolean writing;

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
            while (true) {
                t.mutex.lock();
                if (!writing) {
                    return t;
                }
                // __percpu_down_read(): a writer is in or coming; let it have the tables, then try again.
                t.mutex.unlock();
                writer.lock();
                writer.unlock();
            }
        }
        lockAll();
        return null;
    }

    /** bp_constraints_unlock() of what {@link #lock} returned. */
    void unlock(TaskBps t) {
        if (t == null) {
            unlockAll();
        } else {
            t.mutex.unlock();
        }
    }

    /** The write side alone: excludes every registration (the recount of the tables). */
    void lockAll() {
        writer.lock();
        writing = true;
        // The task table is read after the flag's store, so a task entered after this look takes its mutex after
        // the flag is set, sees it and backs off.
        VarHandle.fullFence();
        for (TaskBps t : taskBps.values()) {
            // readers_active_check(): wait for a reader that took its mutex before the flag was set.
            if (t.mutex.isLocked()) {
                t.mutex.lock();
                t.mutex.unlock();
            }
        }
    }

    void unlockAll() {
        writing = false;
        writer.unlock();
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
                if (writing) {
                    throw locked();
                }
                action.run();
            } finally {
                mutex.unlock();
            }
        } else {
            if (!writer.tryLock()) {
                throw locked();
            }
            try {
                writing = true;
                VarHandle.fullFence();
                // percpu_is_read_locked(): any task mutex held is a reader in (or backing off); refuse, never wait.
                for (TaskBps t : taskBps.values()) {
                    if (t.mutex.isLocked()) {
                        throw locked();
                    }
                }
                action.run();
            } finally {
                writing = false;
                writer.unlock();
            }
        }
    }

    private static HwbpException locked() {
        return new HwbpException(Errno.EBUSY, "breakpoint constraints are locked by a registration in flight");
    }
}
