package org.hwbp.core.osgi;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * A stop, restart or update of hwbp-core is a pause (issue 10 §2). When the bundle stops, DS disposes its
 * components, and as each of the core's services is unregistered the clients release what they hold (their unbind
 * methods unregister breakpoints, the bundle-scoped factories close the scopes), before the machine component is
 * told. So the core asks this probe on every path that changes the machine, and the first change made while the
 * bundle is {@code STOPPING} captures the state as it was (HwBreakpointCore#suspend); the machine component writes
 * it to the bundle's data area last. A change while the bundle is active (a client going away, a new CPU count) is
 * no pause.
 */
final class CorePause {
    private CorePause() {
    }

    /** Whether the bundle of {@code context} is stopping (stop, update, refresh, framework shutdown). */
    static boolean stopping(BundleContext context) {
        try {
            return context.getBundle().getState() == Bundle.STOPPING;
        } catch (IllegalStateException invalid) {
            return true;
        }
    }
}
