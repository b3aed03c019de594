package org.hwbp.timeline;

/**
 * Something that happened between two samples, drawn as a symbol: on a CPU's lane, or ({@code cpu} -1) on the
 * machine row above the lanes.
 *
 * @param kind what happened
 * @param cpu the CPU's lane, or -1 for the machine row
 * @param text what the tooltip says (the event log line or the refused command's error)
 */
public record Mark(Kind kind, int cpu, String text) {

    /** The kinds of marks, in the order the legend lists them. */
    public enum Kind {
        /** A holder other than the host took the CPU's registers (event {@code claim}). */
        CLAIM,
        /** The holder gave them back (event {@code release}). */
        RELEASE,
        /** A breakpoint lost its slot (event {@code preempt}). */
        PREEMPT,
        /** A preempted breakpoint got a slot again (event {@code restore}). */
        RESTORE,
        /** A breakpoint's handler ran after a #DB (event {@code trigger}). */
        TRIGGER,
        /**
         * Guests entered (VM entries that claimed a CPU) that the core did not log: it logs a guest claim only
         * when someone listens for it on that CPU, to keep VM entry cheap; the guest claim counter still counts
         * it. Drawn on the machine row, since the CPU is not known.
         */
        GUEST_ENTRY,
        /** A request for a slot was refused: ENOSPC or EBUSY, or kgdb's E01. */
        REFUSAL,
        /** A callback failed or a breakpoint could not be installed (events {@code fault}, {@code error}). */
        FAULT
    }
}
