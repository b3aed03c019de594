package org.hwbp.shell;

import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * A live update of one bundle, as {@code hwbp:swap}, {@code hwbp:client NAME update} and a jar in {@code bundles/}
 * that replaces a built-in client do it: Bundle.update from a jar, then FrameworkWiring.refreshBundles of just that
 * bundle (and what the framework must refresh with it), waiting for the refresh to finish. The bundle keeps its data
 * area, through which a client hands its state over to its next revision.
 *
 * <p>The wiring is the system bundle's, taken by the caller before the update: when the bundle updated is one the
 * shell imports from (hwbp-core), the refresh restarts the shell bundle, whose own context ends with the stop; the
 * listener given to refreshBundles is called all the same.
 */
final class LiveUpdate {
    private static final long REFRESH_TIMEOUT_MS = 30_000;

    private LiveUpdate() {
    }

    /** Updates {@code bundle} from {@code jar} and refreshes it; {@code command} prefixes the errors. */
    static void update(FrameworkWiring wiring, Bundle bundle, InputStream jar, String command) {
        String name = bundle.getSymbolicName();
        try {
            bundle.update(jar);
        } catch (BundleException | IllegalStateException e) {
            throw new HwbpException(Errno.EIO, command + ": update of " + name + " failed: " + e.getMessage());
        }
        CountDownLatch refreshed = new CountDownLatch(1);
        String[] error = new String[1];
        wiring.refreshBundles(List.of(bundle), event -> {
            if (event.getType() == FrameworkEvent.ERROR && event.getThrowable() != null) {
                error[0] = event.getThrowable().getMessage();
            }
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshed.countDown();
            }
        });
        try {
            if (!refreshed.await(REFRESH_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new HwbpException(Errno.EBUSY, command + ": " + name + " updated, refresh not finished after "
                        + REFRESH_TIMEOUT_MS / 1000 + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HwbpException(Errno.EBUSY, command + ": interrupted while waiting for the refresh of " + name);
        }
        if (error[0] != null) {
            throw new HwbpException(Errno.EIO, command + ": refresh of " + name + " failed: " + error[0]);
        }
    }
}
