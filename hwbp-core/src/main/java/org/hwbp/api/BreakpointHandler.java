package org.hwbp.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Implemented by a breakpoint's owner: the overflow handler of the perf event, plus the claim-protocol
 * notifications the sandbox adds. Callbacks are made outside every core lock, on a thread of the owner's
 * bundle; one that throws or blocks only affects its own bundle.
 */
@ConsumerType
public interface BreakpointHandler {

    /** The breakpoint fired (perf_bp_event → overflow handler). */
    void triggered(Breakpoint bp, Hit hit);

    /** The installed breakpoint stopped being able to fire. */
    default void preempted(Breakpoint bp, PreemptReason reason) {
    }

    /** The breakpoint can fire again. */
    default void restored(Breakpoint bp) {
    }

    /**
     * Whether this handler wants {@link #preempted}/{@link #restored} for every guest entry and exit on its
     * breakpoint's CPU. VM entry is the hot path, so the default is no.
     */
    default boolean wantsGuestClaims() {
        return false;
    }
}
