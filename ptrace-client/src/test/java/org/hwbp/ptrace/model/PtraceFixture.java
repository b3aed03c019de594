package org.hwbp.ptrace.model;

import org.hwbp.api.AccessKind;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;

/** A plain-Java core with the ptrace client's services, one tracee running on CPU {@link #CPU}, and its tracer. */
final class PtraceFixture implements AutoCloseable {
    static final String BUNDLE = "org.hwbp.ptrace-client";
    static final int CPU = 1;

    final HwBreakpointCore core;
    final BreakpointServiceImpl bps;
    final MachineImpl machine;
    final Tracer tracer;
    final int task;

    PtraceFixture() {
        this(Policy.LINUX);
    }

    PtraceFixture(Policy policy) {
        core = new HwBreakpointCore(4, policy, 1000);
        bps = new BreakpointServiceImpl(core, BUNDLE);
        machine = new MachineImpl(core, BUNDLE);
        tracer = new Tracer(bps, machine);
        core.addTaskListener(BUNDLE, tracer::taskExited);
        core.addDebugExceptionListener(BUNDLE, (cpu, t, dr6, exception) -> tracer.userDebugException(t, dr6));
        task = machine.createTask("tracee");
        machine.switchTo(CPU, task);
        tracer.attach(task);
    }

    void poke(String reg, long value) {
        tracer.pokeUser(task, UserArea.offsetOfName(reg), value);
    }

    long peek(String reg) {
        return tracer.peekUser(task, UserArea.offsetOfName(reg));
    }

    AccessResult access(long addr, int len, AccessKind kind) {
        return machine.access(CPU, addr, len, kind, false);
    }

    ThreadDebugState state() {
        return tracer.tracee(task);
    }

    /** Another bundle's service (a wide kernel breakpoint's owner, or the debugger). */
    BreakpointServiceImpl other(String name) {
        return new BreakpointServiceImpl(core, name);
    }

    @Override
    public void close() {
        core.shutdown();
    }
}
