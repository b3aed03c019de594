package org.hwbp.kvm.model;

/**
 * The outcome of one VM entry + exit: the exit as KVM reports it, and the host's MOV from/to DRn executed for
 * that entry+exit (deltas of the CPU's counters, so they are exact as long as nothing else touches that CPU's
 * registers meanwhile: in Linux the whole sequence runs with IRQs off).
 */
public record RunResult(String exit, long reads, long writes) {

    @Override
    public String toString() {
        return exit + " dr_reads=" + reads + " dr_writes=" + writes;
    }
}
