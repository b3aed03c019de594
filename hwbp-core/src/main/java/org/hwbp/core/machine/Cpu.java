package org.hwbp.core.machine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;
import org.hwbp.api.Holder;

/**
 * A simulated CPU: its debug-register file, who holds the registers, and the task running on it.
 *
 * <p>{@link #lock} stands for "IRQs off on this CPU": the host's install, uninstall and restore paths hold it
 * for a few register writes and never block inside. A claim never waits for it: it flips {@link #holder}
 * atomically and, if the lock is busy, leaves {@link #pendingDisable} for the lock holder to apply on the way
 * out (as an NMI would be taken right after the IRQs-off section).
 *
 * <p>Its holder and flags are kept as the kernel keeps per-CPU data, on cache lines no other object uses
 * ({@link CpuState}): a claim writes every CPU's holder and flags while registrations run beside it. The lock's
 * state and the register file are objects of their own, which only the claim and the host paths touch.
 */
public final class Cpu extends CpuState {
    private static final VarHandle HOLDER;
    private static final VarHandle PENDING_DISABLE;
    private static final VarHandle SHADOW_CHANGED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HOLDER = l.findVarHandle(CpuState.class, "holder", Holder.class);
            PENDING_DISABLE = l.findVarHandle(CpuState.class, "pendingDisable", boolean.class);
            SHADOW_CHANGED = l.findVarHandle(CpuState.class, "shadowChangedWhileClaimed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long q01, q02, q03, q04, q05, q06, q07, q08;

    public Cpu(int index) {
        super(index);
    }

    public int index() {
        return index;
    }

    public DebugRegisterFile registers() {
        return registers;
    }

    public Holder holder() {
        return holder;
    }

    public boolean hostHoldsHardware() {
        return holder.isHost();
    }

    /** Atomically moves the registers from {@code expected} to {@code next}. */
    public boolean transferHolder(Holder expected, Holder next) {
        return HOLDER.compareAndSet(this, expected, next);
    }

    public void setHolder(Holder next) {
        holder = next;
    }

    public ReentrantLock lock() {
        return lock;
    }

    public int running() {
        return running;
    }

    public void setRunning(int task) {
        running = task;
    }

    /** Marks that the host's shadows moved on while it did not hold the hardware. */
    public void markShadowChanged() {
        shadowChangedWhileClaimed = true;
    }

    /** Whether the shadows moved on while claimed; clears the mark. */
    public boolean takeShadowChanged() {
        // Read first: every release of a claim asks, and the mark is rare; an atomic swap each time cost a fence.
        return shadowChangedWhileClaimed && (boolean) SHADOW_CHANGED.getAndSet(this, false);
    }

    /**
     * The claimant's side: DR7 must become 0x400 on this CPU. Applied now if the CPU's lock is free, else by
     * the lock holder as it leaves ({@link #unlockAndApplyPending()}). Never waits.
     */
    public void requestDisable() {
        if (lock.tryLock()) {
            // Free: DR7 is written now, as the lock holder would on its way out. A disable still pending from
            // before is the same write (one, as when this request joins it below).
            try {
                if (pendingDisable) {
                    pendingDisable = false;
                }
                if (!hostHoldsHardware()) {
                    registers.write(7, DebugRegisterFile.DR7_RESET);
                }
            } finally {
                unlockAndApplyPending();
            }
            return;
        }
        pendingDisable = true;
        if (lock.tryLock()) {
            unlockAndApplyPending();
        }
    }

    /** Unlocks {@link #lock} and applies a disable a claimant left meanwhile; call instead of unlock(). */
    public void unlockAndApplyPending() {
        lock.unlock();
        while (pendingDisable && lock.tryLock()) {
            try {
                if ((boolean) PENDING_DISABLE.getAndSet(this, false) && !hostHoldsHardware()) {
                    registers.write(7, DebugRegisterFile.DR7_RESET);
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
