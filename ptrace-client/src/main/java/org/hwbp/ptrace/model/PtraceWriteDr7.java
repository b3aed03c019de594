package org.hwbp.ptrace.model;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.HwbpException;
import org.hwbp.api.x86.Dr7;

/**
 * ptrace_write_dr7(): applies DR7 slot by slot. A slot without an event is skipped when disabled and gets a
 * new enabled breakpoint at address 0 when enabled; an existing event is modified even when disabled (so a
 * bad R/W-LEN combination fails). On the first failure the old DR7, rebuilt from the events, is replayed
 * as a second pass and the first error is returned. Exactly as Linux, the replay modifies but never
 * unregisters: an event the failed pass created stays registered, now disabled (as an execute breakpoint
 * of length 8, the decoding of a zero nibble), and so do disabled events the replay rewrote.
 *
 * <p>Called only under {@link ThreadDebugState}'s monitor (ptrace_set_debugreg(7)).
 */
final class PtraceWriteDr7 {
    private final PtraceBps ptraceBps;
    private final PtraceRegisterBreakpoint register;
    private final PtraceLog log;

    PtraceWriteDr7(PtraceBps ptraceBps, PtraceRegisterBreakpoint register, PtraceLog log) {
        this.ptraceBps = ptraceBps;
        this.register = register;
        this.log = log;
    }

    /** Both passes over {@code data}; throws the first pass's error. */
    void write(long data) {
        data &= ~Dr7.CONTROL_RESERVED;
        long oldDr7 = dr7FromEvents();
        HwbpException first = applyDr7(data);
        if (first == null) {
            return;
        }
        HwbpException second = applyDr7(oldDr7);
        if (second != null) {
            // WARN_ON(second_pass) in Linux: the restore should not fail.
            log.note(String.format("WARNING: restoring DR7 0x%x failed: %s", oldDr7, second.getMessage()));
        }
        throw first;
    }

    /** One pass of ptrace_write_dr7(); returns the error that stopped it, or null. */
    private HwbpException applyDr7(long data) {
        for (int i = 0; i < X86Debugreg.HBP_NUM; i++) {
            int len = X86Debugreg.decodeLen(data, i);
            int type = X86Debugreg.decodeType(data, i);
            boolean disabled = !Dr7.enabled(data, i);
            Breakpoint bp = ptraceBps.get(i);
            try {
                if (bp == null) {
                    if (disabled) {
                        continue;
                    }
                    ptraceBps.install(i, register.registerBreakpoint(len, type, 0, false));
                    continue;
                }
                PtraceRegisterBreakpoint.modifyBreakpoint(bp, len, type, disabled);
            } catch (HwbpException e) {
                return e;
            }
        }
        return null;
    }

    /** ptrace_get_dr7(): DR7 rebuilt from the enabled events (G bits and GE, as encode_dr7 makes them). */
    private long dr7FromEvents() {
        long dr7 = 0;
        for (int i = 0; i < X86Debugreg.HBP_NUM; i++) {
            Breakpoint bp = ptraceBps.get(i);
            if (bp != null && !bp.spec().disabled()) {
                dr7 |= Dr7.encode(i, X86Debugreg.archLen(bp.spec()), X86Debugreg.archType(bp.spec()));
            }
        }
        return dr7;
    }
}
