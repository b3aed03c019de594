package org.hwbp.kvm.model;

/** A KVM_EXIT_DEBUG to hand to the VM's debugger once the vCPU's lock is released. */
record DebugExit(VmDebugger debugger, long dr6, long pc) {
}
