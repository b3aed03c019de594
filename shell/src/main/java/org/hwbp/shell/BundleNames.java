package org.hwbp.shell;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * How {@code hwbp:client} and {@code hwbp:swap} name a bundle, the same way for both: its id, its symbolic name
 * ({@code org.hwbp.kvm-client}), or its short name as {@code lb} shows it (the Bundle-Name, {@code kvm-client}); the
 * highest version when several match. The framework itself is never one: EPERM.
 */
final class BundleNames {
    private BundleNames() {
    }

    static Bundle find(BundleContext context, String command, String name) {
        Bundle found = null;
        if (name.matches("\\d+")) {
            found = context.getBundle(Long.parseLong(name));
        } else {
            for (Bundle b : context.getBundles()) {
                if ((name.equals(b.getSymbolicName()) || name.equals(b.getHeaders().get(Constants.BUNDLE_NAME)))
                        && (found == null || b.getVersion().compareTo(found.getVersion()) > 0)) {
                    found = b;
                }
            }
        }
        if (found == null) {
            throw new HwbpException(Errno.ENOENT, command + ": no bundle " + name
                    + " (an id, a symbolic name or a name as 'lb' shows it)");
        }
        if (found.getBundleId() == Constants.SYSTEM_BUNDLE_ID) {
            throw new HwbpException(Errno.EPERM, command + ": the framework is not a client");
        }
        return found;
    }
}
