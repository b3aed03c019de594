package org.hwbp.oracle;

/** How one step compares. */
public enum Verdict {
    /** Linux and the sandbox answered the same. */
    MATCH,
    /** They answered differently: a difference to investigate. */
    DIFF,
    /** The oracle cannot observe this step on Linux (no syscall mapping, or state an unmapped step changed). */
    UNSUPPORTED,
    /**
     * Linux under QEMU answered what real hardware would not (a known emulator artefact, see
     * {@link StepComparator}); the sandbox answered what the hardware does. Counted with the unsupported steps.
     */
    ARTEFACT;

    public String label() {
        return this == UNSUPPORTED ? "unsupported" : name();
    }
}
