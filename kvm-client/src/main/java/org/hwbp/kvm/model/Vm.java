package org.hwbp.kvm.model;

import java.util.ArrayList;
import java.util.List;

/** A VM: its vCPUs (from 0), each created in its reset state. */
final class Vm {
    private final List<Vcpu> vcpus;
    private final GuestMemory memory;
    /** The VM's debugger in user space (its gdbstub), or null. */
    volatile VmDebugger debugger;

    Vm(int id, int nvcpus) {
        List<Vcpu> l = new ArrayList<>(nvcpus);
        for (int i = 0; i < nvcpus; i++) {
            l.add(new Vcpu(id, i));
        }
        this.vcpus = List.copyOf(l);
        this.memory = new GuestMemory();
    }

    /** A VM with vCPUs and guest memory brought back from a saved state. */
    Vm(List<Vcpu> vcpus, GuestMemory memory) {
        this.vcpus = List.copyOf(vcpus);
        this.memory = memory;
    }

    List<Vcpu> vcpus() {
        return vcpus;
    }

    GuestMemory memory() {
        return memory;
    }
}
