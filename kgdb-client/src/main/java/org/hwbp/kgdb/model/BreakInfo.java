package org.hwbp.kgdb.model;

import org.hwbp.api.WideBreakpoint;

/** One entry of {@code breakinfo[HBP_NUM]}: {@code struct hw_breakpoint} of arch/x86/kernel/kgdb.c. */
final class BreakInfo {
    boolean enabled;
    long addr;
    /** The arch length in bytes; an execute breakpoint has X86_BREAKPOINT_LEN_1, i.e. 1. */
    int len;
    /** X86_BREAKPOINT_EXECUTE/_WRITE/_RW as the api's {@code BreakpointSpec.X}, {@code W}, {@code RW}. */
    int type;
    /** The pre-created per-CPU events (null once kgdb_arch_exit() ran). */
    WideBreakpoint pev;
}
