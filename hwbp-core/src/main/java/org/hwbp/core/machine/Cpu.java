package org.hwbp.core.machine;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.hwbp.api.Holder;

/**
 * A simulated CPU: its debug-register file, who holds the registers, and the task running on it.
 *
 * <p>{@link #lock} stands for "IRQs off on this CPU": the host's install, uninstall and restore paths hold it
 * for a few register writes and never block inside. A claim never waits for it: it flips {@link #holder}
 * atomically and, if the lock is busy, leaves {@link #pendingDisable} for the lock holder to apply on the way
 * out (as an NMI would be taken right after the IRQs-off section).
 */
public final class Cpu {
    private final int index;
    private final DebugRegisterFile registers = new DebugRegisterFile();
    private final AtomicReference<Holder> holder = new AtomicReference<>(Holder.HOST);
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean pendingDisable = new AtomicBoolean();
    /** The host changed the shadows while another holder had the hardware: restore when it comes back. */
    private final AtomicBoolean shadowChangedWhileClaimed = new AtomicBoolean();
    private volatile int running;

    public Cpu(int index) {
        this.index = index;
    }

    public int index() {
        return index;
    }

    public DebugRegisterFile registers() {
        return registers;
    }

    public Holder holder() {
        return holder.get();
    }

    public boolean hostHoldsHardware() {
        return holder.get().isHost();
    }

    /** Atomically moves the registers from {@code expected} to {@code next}. */
    public boolean transferHolder(Holder expected, Holder next) {
        return holder.compareAndSet(expected, next);
    }

    public void setHolder(Holder next) {
        holder.set(next);
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
        shadowChangedWhileClaimed.set(true);
    }

    /** Whether the shadows moved on while claimed; clears the mark. */
    public boolean takeShadowChanged() {
        // Read first: every release of a claim asks, and the mark is rare; an atomic swap each time cost a fence.
        return shadowChangedWhileClaimed.get() && shadowChangedWhileClaimed.getAndSet(false);
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
                if (pendingDisable.get()) {
                    pendingDisable.set(false);
                }
                if (!hostHoldsHardware()) {
                    registers.write(7, DebugRegisterFile.DR7_RESET);
                }
            } finally {
                unlockAndApplyPending();
            }
            return;
        }
        pendingDisable.set(true);
        if (lock.tryLock()) {
            unlockAndApplyPending();
        }
    }

    /** Unlocks {@link #lock} and applies a disable a claimant left meanwhile; call instead of unlock(). */
    public void unlockAndApplyPending() {
        lock.unlock();
        while (pendingDisable.get() && lock.tryLock()) {
            try {
                if (pendingDisable.getAndSet(false) && !hostHoldsHardware()) {
                    registers.write(7, DebugRegisterFile.DR7_RESET);
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
