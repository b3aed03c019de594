package org.hwbp.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The kernel debugger's access to the breakpoint layer: the lock-free, fail-fast slot path
 * (dbg_reserve_bp_slot / dbg_release_bp_slot), direct install and uninstall of its events bypassing perf
 * scheduling (as kgdb_correct_hw_break / kgdb_disable_hw_debug do), and the claim of every CPU.
 * None of these methods ever waits for a lock.
 */
@ProviderType
public interface Debugger {

    /**
     * dbg_reserve_bp_slot(): {@link Errno#EBUSY} if a constraint lock is held right now (Linux returns -1),
     * else the result of __reserve_bp_slot (ENOSPC, EINVAL). Under the {@code debugger-priority} policy a
     * breakpoint that does not fit preempts the most recently registered non-debugger reservation instead.
     */
    void reserveSlot(Breakpoint bp);

    /** dbg_release_bp_slot(): {@link Errno#EBUSY} if a constraint lock is held right now. */
    void releaseSlot(Breakpoint bp);

    /**
     * Copies address, length and type into the CPU-bound event {@code bp} and installs it directly into a free
     * physical slot of its CPU (arch_install_hw_breakpoint). EBUSY when no physical slot is free.
     */
    void install(Breakpoint bp, long address, int length, int type);

    /** arch_uninstall_hw_breakpoint() of a directly installed event; no-op when not installed. */
    void uninstall(Breakpoint bp);

    /**
     * Enters the debugger on every CPU at once: never blocks. Every CPU's hardware DR7 becomes 0x400
     * (kgdb_disable_hw_debug); the shadows are not touched. EBUSY if the debugger already holds the machine.
     */
    DebuggerClaim claimAllCpus();
}
