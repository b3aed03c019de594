package org.hwbp.kvm.model;

import java.util.ArrayList;
import java.util.List;

/** A VM: an id (from 1) and its vCPUs (from 0), each in its reset state. */
public final class Vm {
    private final int id;
    private final List<Vcpu> vcpus;

    Vm(int id, int nvcpus) {
        this.id = id;
        List<Vcpu> l = new ArrayList<>(nvcpus);
        for (int i = 0; i < nvcpus; i++) {
            l.add(new Vcpu(id, i));
        }
        this.vcpus = List.copyOf(l);
    }

    public int id() {
        return id;
    }

    public List<Vcpu> vcpus() {
        return vcpus;
    }
}
