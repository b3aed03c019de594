package org.hwbp.kvm.model;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.hwbp.api.Errno;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.GuestSession;
import org.hwbp.api.machine.Machine;

/**
 * The hypervisor: VMs, their vCPUs' debug state, and the debug-register work of {@code vcpu_enter_guest()}
 * ({@code arch/x86/kvm/x86.c}) and of the VMX exit handlers ({@code arch/x86/kvm/vmx/vmx.c}: handle_dr,
 * handle_exception_nmi, vmx_sync_dirty_debug_regs) around one simulated VM entry + exit. This class keeps the
 * VMs' lifecycle, the locking and the run; each piece of kernel code it mirrors has its class:
 * {@link DebugRegSwitch} (the switch around entry and exit, per {@link EntryPolicy}), {@link GuestMovDr}
 * (handle_dr), {@link GuestExit} (the guest's run and handle_exception_nmi), {@link Vcpu}
 * (kvm_set_dr, kvm_update_dr7, sync_dirty_debug_regs, ...). Plain Java: the shell component wraps it and passes
 * the Machine service in on every run.
 *
 * <p>Every operation on a vCPU runs under that vCPU's monitor (a vCPU runs on one host CPU at a time, as
 * vcpu_load() ensures). {@link #shutdown()} waits for runs in flight, so a stopping bundle never leaves a
 * guest claim or unrestored host registers behind.
 */
public final class Kvm {
    /** KVM_MAX_VCPUS on x86-64 without MAXSMP. */
    public static final int MAX_VCPUS = 1024;

    private final ConcurrentSkipListMap<Integer, Vm> vms = new ConcurrentSkipListMap<>();
    private final AtomicInteger nextVm = new AtomicInteger(1);
    private final Map<EntryPolicy, EntryStats> stats = new EnumMap<>(EntryPolicy.class);
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile EntryPolicy policy;
    private boolean closed;

    public Kvm(EntryPolicy policy) {
        this.policy = policy;
        for (EntryPolicy p : EntryPolicy.values()) {
            stats.put(p, new EntryStats());
        }
    }

    /**
     * The hypervisor as it was saved: the same VMs with the same vCPU states, statistics and next VM id. The
     * policy is the saved one, unless the configuration changed meanwhile ({@code configured} differs from the
     * configured policy at save time): then the configuration's.
     */
    public Kvm(KvmState saved, EntryPolicy configured) {
        this(configured == saved.configPolicy() ? saved.policy() : configured);
        nextVm.set(saved.nextVm());
        for (EntryPolicy p : EntryPolicy.values()) {
            KvmState.Counts c = saved.stats().get(p);
            stats.get(p).set(c.entries(), c.reads(), c.writes());
        }
        for (KvmState.VmState vm : saved.vms()) {
            List<Vcpu> vcpus = new ArrayList<>();
            for (int i = 0; i < vm.vcpus().size(); i++) {
                vcpus.add(Vcpu.restore(vm.id(), i, vm.vcpus().get(i)));
            }
            vms.put(vm.id(), new Vm(vcpus, new GuestMemory(vm.memoryPages())));
        }
        if (policy == EntryPolicy.LINUX_2009) {
            // The 2009 code has no lazy window (see setPolicy).
            setPolicy(policy);
        }
    }

    /**
     * Everything {@link KvmState} keeps; {@code configured} is the configured policy now. Runs in flight finish
     * first (each vCPU is read under its lock).
     */
    public KvmState snapshot(EntryPolicy configured) {
        List<KvmState.VmState> l = new ArrayList<>();
        for (Map.Entry<Integer, Vm> e : vms.entrySet()) {
            List<KvmState.VcpuState> vcpus = new ArrayList<>();
            for (Vcpu v : e.getValue().vcpus()) {
                synchronized (v) {
                    vcpus.add(v.snapshot());
                }
            }
            l.add(new KvmState.VmState(e.getKey(), vcpus, KvmState.hexPages(e.getValue().memory().pages())));
        }
        Map<EntryPolicy, KvmState.Counts> counts = new EnumMap<>(EntryPolicy.class);
        for (EntryPolicy p : EntryPolicy.values()) {
            EntryStats s = stats.get(p);
            counts.put(p, new KvmState.Counts(s.entries(), s.reads(), s.writes()));
        }
        return new KvmState(policy, configured, nextVm.get(), counts, l);
    }

    // ------------------------------------------------------------------ VMs

    /** KVM_CREATE_VM + KVM_CREATE_VCPU ×n: VM ids from 1, never reused; vCPUs from 0. */
    public int create(int nvcpus) {
        if (nvcpus < 1 || nvcpus > MAX_VCPUS) {
            throw new HwbpException(Errno.EINVAL, "vcpus must be 1.." + MAX_VCPUS + ": " + nvcpus);
        }
        return underLifecycle(() -> {
            int id = nextVm.getAndIncrement();
            vms.put(id, new Vm(id, nvcpus));
            return id;
        });
    }

    /** The VM's file descriptor is closed: it disappears (a run in flight finishes first on its own vCPU). */
    public void destroy(int vm) {
        Vm v = vms.remove(vm);
        if (v == null) {
            throw new HwbpException(Errno.ENOENT, "no VM " + vm);
        }
        VmDebugger d = v.debugger;
        v.debugger = null;
        if (d != null) {
            d.destroyed();
        }
    }

    private Vm vm(int vm) {
        Vm v = vms.get(vm);
        if (v == null) {
            throw new HwbpException(Errno.ENOENT, "no VM " + vm);
        }
        return v;
    }

    /** The VM's guest memory. */
    public GuestMemory memory(int vm) {
        return vm(vm).memory();
    }

    /** The number of vCPUs of the VM. */
    public int vcpus(int vm) {
        return vm(vm).vcpus().size();
    }

    /** Attaches user space's debugger (a gdbstub) to the VM; EBUSY if one is attached already. */
    public void attachDebugger(int vm, VmDebugger debugger) {
        Vm v = vm(vm);
        synchronized (v) {
            if (v.debugger != null) {
                throw new HwbpException(Errno.EBUSY, "VM " + vm + " has a debugger already");
            }
            v.debugger = debugger;
        }
    }

    /** Detaches {@code debugger} from the VM if it is attached there (a destroyed VM has none). */
    public void detachDebugger(int vm, VmDebugger debugger) {
        Vm v = vms.get(vm);
        if (v != null) {
            synchronized (v) {
                if (v.debugger == debugger) {
                    v.debugger = null;
                }
            }
        }
    }

    /** The vCPU, or ENOENT for an unknown VM or vCPU index. */
    public Vcpu vcpu(int vm, int vcpu) {
        Vm v = vms.get(vm);
        if (v == null) {
            throw new HwbpException(Errno.ENOENT, "no VM " + vm);
        }
        if (vcpu < 0 || vcpu >= v.vcpus().size()) {
            throw new HwbpException(Errno.ENOENT, "VM " + vm + " has no vCPU " + vcpu + " (0.."
                    + (v.vcpus().size() - 1) + ")");
        }
        return v.vcpus().get(vcpu);
    }

    // ------------------------------------------------------------------ policy

    public EntryPolicy policy() {
        return policy;
    }

    /**
     * Switches the entry/exit sequence. The 2009 code had no lazy DR access, so open WONT_EXIT windows are
     * closed first (their values are already in the vCPU state, see {@link Vcpu}).
     */
    public void setPolicy(EntryPolicy p) {
        underLifecycle(() -> {
            policy = p;
            if (p == EntryPolicy.LINUX_2009) {
                for (Vm vm : vms.values()) {
                    for (Vcpu v : vm.vcpus()) {
                        synchronized (v) {
                            if (v.wontExit()) {
                                v.closeWindowBetweenRuns();
                            }
                        }
                    }
                }
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ KVM_SET_GUEST_DEBUG

    /**
     * kvm_arch_vcpu_ioctl_set_guest_debug(). {@code debugreg} holds DR0–3 at 0..3 and DR7 at 7 (struct
     * kvm_guest_debug_arch); it is used only with USE_HW_BP.
     */
    public void setGuestDebug(int vm, int vcpu, int control, long[] debugreg) {
        underLifecycle(() -> {
            Vcpu v = vcpu(vm, vcpu);
            synchronized (v) {
                v.setGuestDebug(control, debugreg);
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ guest MOV to/from DRn

    /** The guest executes MOV to DRn (0..7) with {@code value}; returns what the guest saw. */
    public String movToDr(int vm, int vcpu, int dr, long value) {
        GuestMovDr.checkDr(dr);
        return underLifecycle(() -> {
            Vcpu v = vcpu(vm, vcpu);
            synchronized (v) {
                return GuestMovDr.execute(v, dr, true, value, policy);
            }
        });
    }

    /** The guest executes MOV from DRn (0..7); returns what the guest saw and the value it read. */
    public String movFromDr(int vm, int vcpu, int dr) {
        GuestMovDr.checkDr(dr);
        return underLifecycle(() -> {
            Vcpu v = vcpu(vm, vcpu);
            synchronized (v) {
                return GuestMovDr.execute(v, dr, false, 0, policy);
            }
        });
    }

    // ------------------------------------------------------------------ VM entry + exit

    /**
     * One VM entry + exit of {@code vcpu} on host {@code cpu}; the guest executes {@code accesses} in order
     * until one raises a #DB or all are done (then it halts). The entry is a guest claim of the CPU.
     *
     * <p>If the claim is refused because the kernel debugger holds the CPU, the vCPU still runs but with its
     * debug registers switched off: KVM touches no debug register (the debugger owns them), guest and host
     * debugger breakpoints cannot fire, single-step (TF, not a debug register) still works, and an open
     * WONT_EXIT window stays open for the next real entry. Any other refusal (another vCPU on the CPU) is EBUSY.
     */
    public RunResult run(Machine machine, int vm, int vcpu, int cpu, List<GuestAccess> accesses) {
        if (cpu < 0 || cpu >= machine.cpus()) {
            throw new HwbpException(Errno.EINVAL, "no CPU " + cpu + " (0.." + (machine.cpus() - 1) + ")");
        }
        DebugExit[] exit = new DebugExit[1];
        RunResult r = underLifecycle(() -> {
            Vm m = vm(vm);
            VmDebugger d = m.debugger;
            String stopped = d == null ? null : d.stoppedBy();
            if (stopped != null) {
                // QEMU's vm_stop(): no vCPU of a stopped VM enters the guest until the debugger continues it.
                throw new HwbpException(Errno.EBUSY, "VM " + vm + " is stopped by " + stopped);
            }
            Vcpu v = vcpu(vm, vcpu);
            synchronized (v) {
                RunResult res = run(machine, v, m.memory(), cpu, List.copyOf(accesses), exit);
                exit[0] = exit[0] == null ? null : new DebugExit(d, exit[0].dr6(), exit[0].pc());
                return res;
            }
        });
        DebugExit e = exit[0];
        if (e != null && e.debugger() != null) {
            e.debugger().debugExit(vcpu, e.dr6(), e.pc());
        }
        return r;
    }

    private RunResult run(Machine machine, Vcpu v, GuestMemory memory, int cpu, List<GuestAccess> accesses,
            DebugExit[] exit) {
        EntryPolicy p = policy;
        GuestSession session;
        try {
            session = machine.enterGuest(cpu, v.vm(), v.index());
        } catch (HwbpException e) {
            if (e.errno() != Errno.EBUSY || machine.holder(cpu).kind() != Holder.Kind.DEBUGGER) {
                throw e;
            }
            GuestExit o = GuestExit.execute(v, memory, accesses, a -> 0L);
            stats.get(p).record(0, 0);
            return new RunResult(o.handle(v, exit) + " (debug registers held by the debugger)", 0, 0);
        }
        DebugRegisters regs = session.registers();
        long reads0 = regs.reads();
        long writes0 = regs.writes();
        GuestExit o;
        long reads;
        long writes;
        try {
            DebugRegSwitch dbRegs = DebugRegSwitch.beforeEntry(p, v, regs);
            try {
                session.vmEntry(v.vmcsGuestDr7);
                o = GuestExit.execute(v, memory, accesses,
                        a -> session.guestAccess(a.address(), a.length(), a.kind()));
            } finally {
                // The exit path always runs, so the host gets its registers back whatever happened in between.
                session.vmExit();
                dbRegs.afterExit(regs);
            }
            reads = regs.reads() - reads0;
            writes = regs.writes() - writes0;
        } finally {
            session.close();
        }
        stats.get(p).record(reads, writes);
        return new RunResult(o.handle(v, exit), reads, writes);
    }

    // ------------------------------------------------------------------ statistics

    public EntryStats stats(EntryPolicy p) {
        return stats.get(p);
    }

    public void resetStats() {
        stats.values().forEach(EntryStats::reset);
    }

    // ------------------------------------------------------------------ lifecycle

    private <T> T underLifecycle(Supplier<T> op) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new HwbpException(Errno.EBUSY, "kvm-client is stopping");
            }
            return op.get();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Waits for operations in flight (each run ends with its exit path and hands its CPU back), then refuses new
     * ones.
     */
    public void shutdown() {
        lifecycle.writeLock().lock();
        try {
            closed = true;
        } finally {
            lifecycle.writeLock().unlock();
        }
    }
}
