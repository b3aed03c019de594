package org.hwbp.api.machine;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One CPU's debug registers as kernel code reaches them. {@link #read} and {@link #write} are MOV from/to DRn
 * and are counted; the shadow accessors and {@link #hwBreakpointActive()} read memory, not registers.
 */
@ProviderType
public interface DebugRegisters {

    int cpu();

    /** get_debugreg(n), n in 0..3, 6, 7. Counted. */
    long read(int dr);

    /** set_debugreg(value, n), n in 0..3, 6, 7. Counted. */
    void write(int dr, long value);

    /** hw_breakpoint_active(): the shadow cpu_dr7 has a global-enable bit. Not a register access. */
    boolean hwBreakpointActive();

    /** hw_breakpoint_restore(): DR0..DR3 from the shadows, DR6 = 0xFFFF0FF0, DR7 = cpu_dr7: six writes. */
    void hwBreakpointRestore();

    /** The shadow cpu_dr7. */
    long shadowDr7();

    /** The shadow cpu_debugreg[i]. */
    long shadowAddress(int i);

    /** Register reads made on this CPU so far. */
    long reads();

    /** Register writes made on this CPU so far. */
    long writes();
}
