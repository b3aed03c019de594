package org.hwbp.kvm.model;

/**
 * User space's debugger of a VM (QEMU's gdbstub): it may hold the VM stopped (QEMU's vm_stop: no vCPU enters
 * the guest), it hears of every KVM_EXIT_DEBUG of the VM's vCPUs and of the VM's end. Called outside the
 * vCPU's lock.
 */
public interface VmDebugger {

    /** Why the VM may not run now (the debugger stopped it), or null. */
    String stoppedBy();

    /**
     * A vCPU exited with KVM_EXIT_DEBUG: {@code dr6} as {@code struct kvm_debug_exit_arch} carries it
     * (positive bits | 0xFFFF0FF0), {@code pc} the guest instruction of an instruction breakpoint, or -1.
     */
    void debugExit(int vcpu, long dr6, long pc);

    /** The VM was destroyed. */
    void destroyed();
}
