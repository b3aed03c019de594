package org.hwbp.api;

/**
 * One breakpoint hit, as {@code hw_breakpoint_handler()} sees it before calling the overflow handler.
 *
 * @param cpu the CPU that took the #DB
 * @param task the task running there (0 when idle or in the kernel on its own behalf)
 * @param address the accessed address
 * @param length the access width
 * @param kind read, write or instruction fetch
 * @param kernelMode whether the access was made in kernel mode
 * @param slot the physical debug register (0..3) that matched
 * @param dr6 DR6 as read at #DB entry, converted to positive polarity (bit i = Bi happened)
 * @param exception a number identifying the #DB: hits of one exception share it (as one exc_debug call does)
 */
public record Hit(int cpu, int task, long address, int length, AccessKind kind, boolean kernelMode, int slot,
        long dr6, long exception) {
}
