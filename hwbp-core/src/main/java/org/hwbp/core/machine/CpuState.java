package org.hwbp.core.machine;

import java.util.concurrent.locks.ReentrantLock;
import org.hwbp.api.Holder;
import org.hwbp.core.cacheline.CacheLineHead;

/**
 * The fields of a {@link Cpu}, between the padding of {@link CacheLineHead} and Cpu's own: the holder and flags
 * that claims write, and the references to the lock and register file, share a line with no other object.
 */
abstract class CpuState extends CacheLineHead {
    final int index;
    final DebugRegisterFile registers = new DebugRegisterFile();
    final ReentrantLock lock = new ReentrantLock();
    volatile Holder holder = Holder.HOST;
    /** A claimant asked for DR7 ← 0x400 while the lock was busy: the holder applies it on the way out. */
    volatile boolean pendingDisable;
    /** The host changed the shadows while another holder had the hardware: restore when it comes back. */
    volatile boolean shadowChangedWhileClaimed;
    volatile int running;

    CpuState(int index) {
        this.index = index;
    }
}
