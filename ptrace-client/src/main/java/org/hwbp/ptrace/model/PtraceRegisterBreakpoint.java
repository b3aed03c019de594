package org.hwbp.ptrace.model;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.HwbpException;

/**
 * How one task's ptrace events are made and changed: ptrace_register_breakpoint() and
 * ptrace_modify_breakpoint(), ptrace_set_breakpoint_addr() on top of them, and the registration again of an
 * event saved before a client restart. Called only under {@link ThreadDebugState}'s monitor (the tracer's
 * PTRACE_POKEUSR and the restore), which orders its writes to {@link PtraceBps}.
 */
final class PtraceRegisterBreakpoint {
    private final int task;
    private final BreakpointService service;
    private final BreakpointHandler handler;
    private final PtraceBps ptraceBps;

    PtraceRegisterBreakpoint(int task, BreakpointService service, BreakpointHandler handler, PtraceBps ptraceBps) {
        this.task = task;
        this.service = service;
        this.handler = handler;
        this.ptraceBps = ptraceBps;
    }

    /**
     * ptrace_set_breakpoint_addr(): the first write creates an inactive but correct breakpoint (LEN_1, WRITE,
     * disabled) that holds its slot from now on; later writes change only the address.
     */
    void setBreakpointAddr(int nr, long addr) {
        Breakpoint bp = ptraceBps.get(nr);
        if (bp == null) {
            bp = registerBreakpoint(X86Debugreg.LEN_1, X86Debugreg.WRITE, addr, true);
            ptraceBps.install(nr, bp);
        } else {
            bp.modify(bp.spec().withAddress(addr));
        }
    }

    /** ptrace_register_breakpoint(): ptrace_breakpoint_init() (exclude_kernel) + the DR7 fields. */
    Breakpoint registerBreakpoint(int len, int type, long addr, boolean disabled) {
        X86Debugreg.GenericFields f = X86Debugreg.genericFields(len, type);
        BreakpointSpec spec = BreakpointSpec.forTask(task, addr, f.length(), f.type())
                .withDisabled(disabled).withExcludeKernel(true);
        return service.register(spec, handler);
    }

    /** ptrace_modify_breakpoint(): the event's attributes with new length, type and disabled. */
    static void modifyBreakpoint(Breakpoint bp, int len, int type, boolean disabled) {
        X86Debugreg.GenericFields f = X86Debugreg.genericFields(len, type);
        bp.modify(bp.spec().withLength(f.length()).withType(f.type()).withDisabled(disabled));
    }

    /**
     * Registers the saved event of virtual DRn again (ptrace_register_breakpoint() with the attributes it had).
     * On failure the entry is kept as {@link ThreadDebugState.Unrestored} and the error returned; null on
     * success.
     */
    HwbpException restoreDr(int n, PtraceState.Dr dr) {
        BreakpointSpec spec = BreakpointSpec.forTask(task, dr.address(), dr.length(), dr.type())
                .withDisabled(dr.disabled()).withExcludeKernel(true);
        try {
            ptraceBps.install(n, service.register(spec, handler));
            return null;
        } catch (HwbpException e) {
            ptraceBps.keepUnrestored(n, new ThreadDebugState.Unrestored(dr, e.getMessage()));
            return e;
        }
    }
}
