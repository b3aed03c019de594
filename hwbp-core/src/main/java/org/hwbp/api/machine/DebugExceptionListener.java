package org.hwbp.api.machine;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told of every user-mode #DB a task takes, whoever owns the breakpoint that raised it: the
 * entry of exc_debug_user() (arch/x86/kernel/traps.c), where Linux restarts the task's ptrace-visible DR6
 * ({@code current->thread.virtual_dr6 = dr6 & DR_STEP}) before notify_debug() runs hw_breakpoint_handler(). So
 * the call comes before any breakpoint handler of that #DB, including the listener bundle's own handlers. A
 * kernel-mode #DB (exc_debug_kernel(), e.g. a kernel access of a user address) is not told: Linux leaves the
 * task's virtual DR6 alone then.
 *
 * @since 1.2
 */
@ConsumerType
public interface DebugExceptionListener {

    /**
     * {@code task}, running in user mode on {@code cpu}, took the #DB numbered {@code exception} (the number its
     * breakpoint handlers see as {@code Hit.exception()}); {@code dr6} is DR6 as exc_debug() read it, in positive
     * polarity (bit i = Bi, {@code Dr6.BS} = single step).
     */
    void userDebugException(int cpu, int task, long dr6, long exception);
}
