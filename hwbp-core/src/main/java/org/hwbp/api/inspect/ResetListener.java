package org.hwbp.api.inspect;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: a bundle that keeps state of its own beside the core (a tracer's tasks, kgdb's breakinfo, the VMs)
 * registers this service to be told of {@link HwbpAdmin#reset()}, so that after a reset it is what it was when
 * the runtime booted.
 *
 * <p>{@link #reset()} is called while the old machine's services are gone (every client has already released
 * them, and kept whatever it keeps for the next core) and before the new machine's services are registered:
 * the listener drops that kept state, the ids it hands out and anything it saved for a restart of its bundle,
 * so that when it binds the new machine it starts as at boot (kgdb, for example, registers its boot-time
 * placeholders again then, as kgdb_arch_late() does at boot). It runs on the resetting thread, and must not
 * call the core.
 */
@ConsumerType
public interface ResetListener {

    /** Forget everything kept for the next machine: state, ids, saved files. */
    void reset();
}
