package org.hwbp.kvm.model;

import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_SINGLESTEP;
import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_USE_HW_BP;

import java.util.List;
import org.hwbp.api.AccessKind;
import org.hwbp.api.support.Args;
import org.hwbp.api.x86.Dr6;

/**
 * What the guest's run ended with: the positive-polarity #DB bits (0 = it halted) and, for an instruction
 * breakpoint (a fault, reported at the instruction), that instruction. The guest's execution
 * ({@link #execute}) makes it; the exit handler ({@link #handle}) treats it.
 */
record GuestExit(long dr6, GuestAccess fault) {
    static final GuestExit HALT = new GuestExit(0, null);

    @FunctionalInterface
    interface Matcher {
        long hits(GuestAccess a);
    }

    /**
     * The guest executes its instructions. An instruction breakpoint is a fault (the #DB comes before the
     * instruction, without BS); a data breakpoint is a trap after the access, together with BS when
     * single-stepping (TF); with single-step on, the first instruction traps (one non-memory instruction if
     * the run has no accesses).
     */
    static GuestExit execute(Vcpu v, GuestMemory memory, List<GuestAccess> accesses, Matcher m) {
        long step = (v.guestDebug & GUESTDBG_SINGLESTEP) != 0 ? Dr6.BS : 0;
        if (accesses.isEmpty()) {
            return new GuestExit(step, null);
        }
        for (GuestAccess a : accesses) {
            long hits = m.hits(a);
            if (a.kind() == AccessKind.X && hits != 0) {
                return new GuestExit(hits, a);
            }
            if (a.kind() == AccessKind.W) {
                // The write is done before its trap (a data breakpoint reports after the access).
                memory.store(a.address(), a.length(), a.value());
            }
            if ((hits | step) != 0) {
                return new GuestExit(hits | step, null);
            }
        }
        return HALT;
    }

    /**
     * The exit as handle_exception_nmi() treats a #DB: with SINGLESTEP or USE_HW_BP the host debugger gets
     * KVM_EXIT_DEBUG with DR6 = exit qualification | 0xFFFF0FF0; otherwise the #DB is the guest's own and is
     * reinjected, its payload updating the guest's virtual DR6 (kvm_deliver_exception_payload).
     */
    String handle(Vcpu v, DebugExit[] exit) {
        if (dr6 == 0) {
            return "exit hlt";
        }
        if ((v.guestDebug & (GUESTDBG_SINGLESTEP | GUESTDBG_USE_HW_BP)) != 0) {
            exit[0] = new DebugExit(null, dr6 | Dr6.RESET, fault != null ? fault.address() : -1);
            String pc = fault != null ? " pc=" + Args.hex(fault.address()) : "";
            return "exit debug #DB dr6=" + Args.hex(dr6 | Dr6.RESET) + pc;
        }
        v.deliverDbPayload(dr6);
        return "exit exception_nmi #DB injected dr6=" + Args.hex(v.dr6);
    }
}
