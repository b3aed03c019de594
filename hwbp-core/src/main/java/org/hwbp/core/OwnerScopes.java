package org.hwbp.core;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * The clients' scopes: one {@link Owner} per bundle using the core, and what closing it releases (breakpoints,
 * wide breakpoints, the debugger's claim, guest sessions, pending callbacks), as a process's exit releases its
 * perf events. Also the gate every request passes: EBUSY once the core is stopping or the owner is closed.
 */
final class OwnerScopes {
    private final HwBreakpointCore core;
    /** The open owners, for the snapshot of their id sequences. */
    final Set<Owner> open = ConcurrentHashMap.newKeySet();

    OwnerScopes(HwBreakpointCore core) {
        this.core = core;
    }

    /** A new client scope (one per bundle). */
    Owner openOwner(String name) {
        Owner o = new Owner(name);
        open.add(o);
        return o;
    }

    /** Releases everything {@code o} owns: breakpoints, wide breakpoints, claims, guest sessions. */
    void closeOwner(Owner o) {
        core.restart.captureIfStopping();
        o.closed = true;
        open.remove(o);
        core.restart.dropReturning(o);
        core.claims.releaseOrphanOf(o);
        for (AutoCloseable hold : List.copyOf(o.holds)) {
            try {
                if (!GuestSessions.abandon(hold)) {
                    hold.close();
                }
            } catch (Exception e) {
                core.log.fault("releasing a hold of bundle " + o.name() + " failed: " + e);
            }
        }
        for (WideEvent w : List.copyOf(o.wides)) {
            w.unregister();
        }
        for (PerfEvent e : o.sortedEvents()) {
            core.perf.unregister(e);
        }
        core.dispatcher.close(o.name());
    }

    /** EBUSY if the core is stopping or {@code o} was closed. */
    void checkOpen(Owner o) {
        core.restart.captureIfStopping();
        if (core.restart.paused()) {
            throw new HwbpException(Errno.EBUSY, "core unavailable: hwbp-core is stopping");
        }
        if (o.closed) {
            throw new HwbpException(Errno.EBUSY, "core unavailable: the service of " + o.name() + " was released");
        }
    }

    /**
     * After a request published what it made in {@code o}: if {@code o} was closed meanwhile (its bundle stopped
     * while the request was in flight), {@link #closeOwner} may have missed it, so it is undone here and the
     * request refused as if it had come after the close. Found by the reliability churn test: a registration
     * racing with its bundle's stop leaked its slot (hw_breakpoint_is_used() stayed true).
     */
    void outlivesOwner(Owner o, Runnable undo) {
        if (o.closed) {
            undo.run();
            checkOpen(o);
        }
    }
}
