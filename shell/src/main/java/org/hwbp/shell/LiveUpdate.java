package org.hwbp.shell;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * A live update of one bundle, as {@code hwbp:swap}, {@code hwbp:client NAME update} and a jar in {@code bundles/}
 * that replaces a built-in client do it: Bundle.update from a jar, then FrameworkWiring.refreshBundles of just that
 * bundle (and what the framework must refresh with it), waiting for the refresh to finish. The bundle keeps its data
 * area, through which a client hands its state over to its next revision.
 *
 * <p>A bundle that exports packages (hwbp-core and its API) is not refreshed when its new revision exports the same
 * classes, byte for byte, and took them from its old revision (the API packages it also imports, substitutable
 * exports): every importer is then wired to the classes it would get after a refresh, and the services of the new
 * revision are of those classes. So a swap of the core is the pause the README describes, and the clients and this
 * shell, whose console or script runner is the caller, keep running. When the exported classes changed, the refresh
 * follows: it restarts the importers, this shell included.
 *
 * <p>The wiring is the system bundle's, taken by the caller before the update: when the refresh restarts the shell
 * bundle, its own context ends with the stop; the listener given to refreshBundles is called all the same.
 */
final class LiveUpdate {
    private static final long REFRESH_TIMEOUT_MS = 30_000;

    private LiveUpdate() {
    }

    /** Updates {@code bundle} from {@code jar} and refreshes it; {@code command} prefixes the errors. */
    static void update(FrameworkWiring wiring, Bundle bundle, InputStream jar, String command) {
        String name = bundle.getSymbolicName();
        Map<String, byte[]> exported = exportedClasses(bundle);
        try {
            bundle.update(jar);
        } catch (BundleException | IllegalStateException e) {
            throw new HwbpException(Errno.EIO, command + ": update of " + name + " failed: " + e.getMessage());
        }
        if (!exported.isEmpty() && sameClasses(exported, exportedClasses(bundle)) && exportsKeptFromOldRevision(bundle)) {
            return;
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

    /** The class files of the packages the bundle's current revision declares as exported, by path. */
    private static Map<String, byte[]> exportedClasses(Bundle bundle) {
        Map<String, byte[]> classes = new HashMap<>();
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        if (revision == null) {
            return classes;
        }
        for (BundleCapability c : revision.getDeclaredCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
            String path = ((String) c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE)).replace('.', '/');
            Enumeration<URL> entries = bundle.findEntries(path, "*.class", false);
            while (entries != null && entries.hasMoreElements()) {
                URL u = entries.nextElement();
                try (InputStream in = u.openStream()) {
                    classes.put(u.getPath(), in.readAllBytes());
                } catch (IOException e) {
                    classes.put(u.getPath(), new byte[0]); // unreadable: never equal to a readable class
                }
            }
        }
        return classes;
    }

    private static boolean sameClasses(Map<String, byte[]> before, Map<String, byte[]> after) {
        if (!before.keySet().equals(after.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : before.entrySet()) {
            if (e.getValue().length == 0 || !Arrays.equals(e.getValue(), after.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the new revision took every package it both exports and imports (substitutable exports) from another
     * revision, the old one its importers stay wired to, rather than exporting it itself: then the services it
     * registers are of the classes its importers see.
     */
    private static boolean exportsKeptFromOldRevision(Bundle bundle) {
        BundleWiring wiring = bundle.adapt(BundleWiring.class);
        if (wiring == null) {
            return false;
        }
        for (BundleCapability c : wiring.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
            String filter = "(" + PackageNamespace.PACKAGE_NAMESPACE + "="
                    + c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE) + ")";
            for (BundleRequirement r : wiring.getRevision().getDeclaredRequirements(PackageNamespace.PACKAGE_NAMESPACE)) {
                String f = r.getDirectives().get(PackageNamespace.REQUIREMENT_FILTER_DIRECTIVE);
                if (f != null && f.contains(filter)) {
                    return false;
                }
            }
        }
        return true;
    }
}
