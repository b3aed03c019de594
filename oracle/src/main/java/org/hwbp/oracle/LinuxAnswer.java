package org.hwbp.oracle;

/**
 * What the guest program {@code oracle/guest/hwbp-oracle.c} printed for one step: its status, its text (lines
 * joined by {@code " | "}) and how it got it.
 */
public record LinuxAnswer(int line, Status status, String text, String note) {

    public enum Status {
        /** The syscalls succeeded; text is the sandbox's success output for the command. */
        OK,
        /** A syscall failed; text is {@code error: ENAME}. */
        ERRNO,
        /** The oracle itself could not do the step (no errno). */
        ERROR,
        /** The command has no syscall mapping. */
        UNSUP
    }

    /** The errno name of an {@link Status#ERRNO} answer. */
    public String errno() {
        return text.startsWith("error: ") ? text.substring(7).trim() : text;
    }
}
