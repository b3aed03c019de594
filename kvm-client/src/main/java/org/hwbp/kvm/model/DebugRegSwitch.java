package org.hwbp.kvm.model;

import org.hwbp.api.machine.DebugRegisters;

/**
 * The switching of the hardware debug registers between host and guest around one VM entry + exit: the
 * debug-register part of vcpu_enter_guest() ({@code arch/x86/kvm/x86.c}) as the {@link EntryPolicy} has it,
 * {@link DebugRegSwitchToday} (6.12) or {@link DebugRegSwitch2009} (2.6.29). One instance serves one entry + exit:
 * what the entry path left for the exit path (the 2009 code's saved host values) stays in it.
 */
interface DebugRegSwitch {

    /** The policy's sequence before VM entry of {@code v}; the result runs the sequence after the exit. */
    static DebugRegSwitch beforeEntry(EntryPolicy p, Vcpu v, DebugRegisters regs) {
        return p == EntryPolicy.TODAY ? DebugRegSwitchToday.beforeEntry(v, regs)
                : DebugRegSwitch2009.beforeEntry(v, regs);
    }

    /** The policy's sequence after VM exit: the host gets its registers back. */
    void afterExit(DebugRegisters regs);
}
