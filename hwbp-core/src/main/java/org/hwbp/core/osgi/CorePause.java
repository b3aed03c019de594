package org.hwbp.core.osgi;

import org.hwbp.core.HwBreakpointCore;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * A stop, restart or update of hwbp-core is a pause (issue 10 §2). When the bundle stops, DS disposes its
 * components in an order of its own: the bundle-scoped services (which close their owners' scopes, unregistering
 * every client breakpoint and moving the registers), the shell's commands (which close the shell's scope), the
 * machine. Whichever of them is deactivated first while the bundle is {@code STOPPING} suspends the core, which
 * captures its state at that moment, before any scope is closed; the machine component writes it to the bundle's
 * data area last. A deactivation while the bundle is active (a client going away, a new CPU count) is no pause.
 */
public final class CorePause {
    private CorePause() {
    }

    /** Suspends {@code core} if the bundle of {@code context} is stopping; true if it is. */
    public static boolean suspendIfStopping(BundleContext context, HwBreakpointCore core) {
        Bundle own;
        try {
            own = context.getBundle();
        } catch (IllegalStateException invalid) {
            return false;
        }
        if (own.getState() != Bundle.STOPPING) {
            return false;
        }
        core.suspend();
        return true;
    }
}
