package org.hwbp.kvm.model;

/**
 * The outcome of one VM entry + exit: the exit as KVM reports it, and the host's MOV from/to DRn executed for
 * that entry+exit (deltas of the CPU's counters).
 */
public record RunResult(String exit, long reads, long writes) {

    @Override
    public String toString() {
        return exit + " dr_reads=" + reads + " dr_writes=" + writes;
    }
}
