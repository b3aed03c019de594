package org.hwbp.api;

/** Why an installed breakpoint can no longer fire. */
public enum PreemptReason {
    /** The kernel debugger stopped the machine and holds every CPU's registers. */
    DEBUGGER_CLAIM,
    /** A vCPU runs with its guest debug registers loaded on the breakpoint's CPU. */
    GUEST_CLAIM,
    /** Under the {@code debugger-priority} policy the debugger took this breakpoint's slot. */
    DEBUGGER_PRIORITY
}
