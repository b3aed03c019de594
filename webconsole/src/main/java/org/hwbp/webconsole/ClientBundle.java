package org.hwbp.webconsole;

import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * A client bundle as the page lists it: the bundles named {@code org.hwbp.*-client}, with what
 * {@code hwbp:client NAME} prints (id, name, version, state).
 */
record ClientBundle(long id, String name, String version, String state) {

    static boolean isClient(String symbolicName) {
        return symbolicName != null && symbolicName.startsWith("org.hwbp.") && symbolicName.endsWith("-client");
    }

    static List<ClientBundle> list(BundleContext context) {
        List<ClientBundle> clients = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (isClient(b.getSymbolicName())) {
                clients.add(new ClientBundle(b.getBundleId(), b.getSymbolicName(), b.getVersion().toString(),
                        state(b.getState())));
            }
        }
        return clients;
    }

    static String state(int s) {
        switch (s) {
            case Bundle.ACTIVE: return "ACTIVE";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            default: return "UNINSTALLED";
        }
    }
}
