package org.hwbp.kvm.gdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.BreakpointType;
import org.hwbp.api.gdb.GdbSession;
import org.hwbp.api.gdb.GdbTarget;
import org.hwbp.api.gdb.StopEvent;
import org.hwbp.api.gdb.TargetDescription;
import org.hwbp.api.x86.Dr6;
import org.hwbp.kvm.model.Kvm;
import org.hwbp.kvm.model.KvmDebugRegs;
import org.hwbp.kvm.model.Vcpu;
import org.hwbp.kvm.model.VmDebugger;

/**
 * QEMU's gdbstub for one VM under KVM: one thread per vCPU (thread n+1 is vCPU n), gdb connecting stops the VM
 * (no {@code kvm:run} enters until gdb continues), {@code hbreak}/{@code watch}/{@code awatch} are QEMU's
 * hardware-breakpoint table ({@link QemuHwBreakpoints}) handed to every vCPU with {@code KVM_SET_GUEST_DEBUG}
 * ({@code KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP} and the {@code debugreg} array), and a
 * {@code KVM_EXIT_DEBUG} is decoded as {@code kvm_handle_debug} does: single step (DR6.BS), else the first
 * DR6 bit set, whose DR7 RW field says breakpoint, write or access watchpoint. The stop is reported on the
 * vCPU's thread; for a breakpoint rip is the guest instruction. Memory is the VM's own ({@code kvm-client}'s
 * guest memory, which {@code ADDR:LEN:w=VALUE} accesses write).
 *
 * <p>The guest's general registers are not modelled: they read 0, rip the instruction of the last breakpoint
 * stop (0 after a step: the model has no instruction stream). dr0–dr3, dr6, dr7 are the vCPU's guest-visible
 * values ({@code kvm_get_dr}), not the debugger's.
 */
final class VmGdbTarget implements GdbTarget, VmDebugger {
    private static final TargetDescription DESCRIPTION = TargetDescription.x86_64WithDebugRegisters();

    private final Kvm kvm;
    private final int vm;
    private final int vcpus;
    private final Runnable onEnd;
    private final QemuHwBreakpoints table = new QemuHwBreakpoints();
    private final ConcurrentHashMap<Integer, Long> pcs = new ConcurrentHashMap<>();
    private final AtomicLong resumes = new AtomicLong();
    private volatile GdbSession session;
    /** Why the VM may not run (gdb holds it stopped), or null while gdb lets it run. */
    private volatile String stoppedBy;
    /** The vCPU gdb single-steps, or -1. */
    private volatile int stepping = -1;

    private VmGdbTarget(Kvm kvm, int vm, Runnable onEnd) {
        this.kvm = kvm;
        this.vm = vm;
        this.vcpus = kvm.vcpus(vm);
        this.onEnd = onEnd;
    }

    /**
     * The stub of {@code vm}, the VM's debugger in user space until {@link #release()}: it hears of the VM's
     * destruction with or without a gdb connected (QEMU's gdbstub goes with the QEMU process).
     *
     * @param onEnd run once the VM is destroyed (the server is then closed)
     * @throws HwbpException ENOENT for no such VM, EBUSY if the VM has a debugger already
     */
    static VmGdbTarget attachTo(Kvm kvm, int vm, Runnable onEnd) {
        VmGdbTarget t = new VmGdbTarget(kvm, vm, onEnd);
        kvm.attachDebugger(vm, t);
        return t;
    }

    /** The stub is closed: it is no longer the VM's debugger. */
    void release() {
        kvm.detachDebugger(vm, this);
    }

    int vm() {
        return vm;
    }

    @Override
    public TargetDescription description() {
        return DESCRIPTION;
    }

    /** gdb connects: QEMU stops the VM (vm_stop) and reports the first vCPU stopped with SIGTRAP. */
    @Override
    public StopEvent attach(GdbSession s) {
        kvm.vcpus(vm);
        stoppedBy = "gdb";
        session = s;
        return StopEvent.signal(1, StopEvent.SIGTRAP);
    }

    @Override
    public List<Integer> threads() {
        List<Integer> l = new ArrayList<>();
        for (int i = 1; i <= vcpus; i++) {
            l.add(i);
        }
        return l;
    }

    @Override
    public String threadInfo(int thread) {
        return "VM " + vm + " vCPU " + (thread - 1);
    }

    @Override
    public byte[] readRegister(int thread, int regno) {
        byte[] b = new byte[DESCRIPTION.registers().get(regno).bytes()];
        long v;
        if (regno == TargetDescription.RIP) {
            v = pcs.getOrDefault(thread, 0L);
        } else if (regno >= TargetDescription.DR0 && regno <= TargetDescription.DR7) {
            Vcpu c = kvm.vcpu(vm, thread - 1);
            synchronized (c) {
                v = regno < TargetDescription.DR6 ? c.db(regno - TargetDescription.DR0)
                        : regno == TargetDescription.DR6 ? c.dr6() : c.dr7();
            }
        } else {
            return b;
        }
        for (int i = 0; i < b.length && i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** Only rip is kept (the guest's other registers are not modelled). */
    @Override
    public void writeRegister(int thread, int regno, byte[] value) {
        long v = 0;
        for (int i = 0; i < value.length && i < 8; i++) {
            v |= (value[i] & 0xffL) << (8 * i);
        }
        if (regno == TargetDescription.RIP) {
            pcs.put(thread, v);
        } else if (v != 0) {
            throw new HwbpException(Errno.EIO, "register " + DESCRIPTION.registers().get(regno).name()
                    + " is not modelled");
        }
    }

    @Override
    public byte[] readMemory(long address, int length) {
        return kvm.memory(vm).read(address, length);
    }

    @Override
    public void writeMemory(long address, byte[] data) {
        kvm.memory(vm).write(address, data);
    }

    /** kvm_insert_breakpoint() → kvm_arch_insert_hw_breakpoint(), then kvm_update_guest_debug() on every vCPU. */
    @Override
    public void insertBreakpoint(BreakpointType type, long address, int kind) {
        synchronized (table) {
            table.insert(type, address, kind);
            updateGuestDebug();
        }
    }

    @Override
    public void removeBreakpoint(BreakpointType type, long address, int kind) {
        synchronized (table) {
            table.remove(type, address, kind);
            updateGuestDebug();
        }
    }

    /**
     * kvm_update_guest_debug() for each vCPU: ENABLE | USE_HW_BP with the table's debugreg while it has entries,
     * ENABLE | SINGLESTEP on the vCPU gdb steps; control 0 otherwise.
     */
    private void updateGuestDebug() {
        long[] dr = table.debugreg();
        for (int i = 0; i < vcpus; i++) {
            int control = 0;
            if (dr != null) {
                control |= KvmDebugRegs.GUESTDBG_ENABLE | KvmDebugRegs.GUESTDBG_USE_HW_BP;
            }
            if (stepping == i) {
                control |= KvmDebugRegs.GUESTDBG_ENABLE | KvmDebugRegs.GUESTDBG_SINGLESTEP;
            }
            kvm.setGuestDebug(vm, i, control, dr == null ? new long[8] : dr);
        }
    }

    @Override
    public Set<BreakpointType> breakpointTypes() {
        return Set.of(BreakpointType.HARDWARE, BreakpointType.WRITE_WATCHPOINT, BreakpointType.ACCESS_WATCHPOINT);
    }

    /** {@code c}: the VM may run (vm_start); the next {@code kvm:run} enters the guest. */
    @Override
    public void resume() {
        synchronized (table) {
            if (stepping >= 0) {
                stepping = -1;
                updateGuestDebug();
            }
        }
        stoppedBy = null;
        resumes.incrementAndGet();
    }

    /** {@code s}: KVM_GUESTDBG_SINGLESTEP on that vCPU; its next {@code kvm:run} traps after one instruction. */
    @Override
    public void step(int thread) {
        synchronized (table) {
            stepping = thread - 1;
            updateGuestDebug();
        }
        pcs.remove(thread);
        stoppedBy = null;
        resumes.incrementAndGet();
    }

    /** Whether gdb lets the VM run (and waits for a stop). */
    boolean running() {
        return stoppedBy == null && session != null;
    }

    long resumes() {
        return resumes.get();
    }

    /** Ctrl-C: vm_stop, reported on the first vCPU with SIGINT. */
    @Override
    public void interrupt() {
        stop(StopEvent.signal(1, StopEvent.SIGINT));
    }

    private void stop(StopEvent e) {
        stoppedBy = "gdb";
        GdbSession s = session;
        if (s != null) {
            s.stopped(e);
        }
    }

    /** gdb_breakpoint_remove_all() and the VM runs on (QEMU's detach: vm_start). */
    @Override
    public void detach() {
        end();
    }

    /** {@code k}: QEMU quits; here the VM is left running and undebugged (kvm:destroy ends it). */
    @Override
    public void kill() {
        end();
    }

    private void end() {
        session = null;
        synchronized (table) {
            table.clear();
            stepping = -1;
            try {
                updateGuestDebug();
            } catch (HwbpException e) {
                // the VM is gone or the client stops: nothing to switch off
            }
        }
        stoppedBy = null;
    }

    @Override
    public String monitor(String command) {
        throw new HwbpException(Errno.EOPNOTSUPP, "monitor commands are served by kgdb:listen");
    }

    // ------------------------------------------------------------------ VmDebugger

    @Override
    public String stoppedBy() {
        return stoppedBy;
    }

    /**
     * kvm_handle_debug(): BS → a single step; else the lowest DR6 bit set whose table entry exists: RW 0 is the
     * breakpoint (rip = the instruction), 1 a write, 3 an access watchpoint at the entry's address.
     */
    @Override
    public void debugExit(int vcpu, long dr6, long pc) {
        int thread = vcpu + 1;
        long bits = Dr6.toPositive(dr6);
        StopEvent e = null;
        if ((bits & Dr6.BS) != 0) {
            e = StopEvent.signal(thread, StopEvent.SIGTRAP);
        } else {
            for (int n = 0; n < 4 && e == null; n++) {
                QemuHwBreakpoints.Entry entry = table.get(n);
                if ((bits & Dr6.trap(n)) == 0 || entry == null) {
                    continue;
                }
                e = switch (entry.type()) {
                    case HARDWARE -> {
                        pcs.put(thread, pc >= 0 ? pc : entry.addr());
                        yield StopEvent.hardwareBreakpoint(thread);
                    }
                    default -> StopEvent.watchpoint(thread, entry.type(), entry.addr());
                };
            }
        }
        if (e == null) {
            // not one of gdb's: QEMU reinjects the #DB into the guest; nothing to tell gdb
            return;
        }
        stop(e);
    }

    /** The VM was destroyed under gdb: QEMU's gdb_exit() sends W00 and the stub goes. */
    @Override
    public void destroyed() {
        GdbSession s = session;
        session = null;
        stoppedBy = null;
        if (s != null) {
            s.stopped(StopEvent.exited(0));
        }
        onEnd.run();
    }

    /** Console output for gdb while it waits. */
    void tell(String text) {
        GdbSession s = session;
        if (s != null) {
            s.console(text);
        }
    }
}
