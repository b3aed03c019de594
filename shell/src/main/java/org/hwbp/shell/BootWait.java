package org.hwbp.shell;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * The end of the runtime's boot as the console and the script runner see it, before their first line: the shell's
 * commands, the clients' commands, and Gogo's shell bundle, which starts at start level 2 after File Install (same
 * level, lower id), whose first scan of {@code bundles/} has then replaced the built-in clients a jar there
 * replaces. Both wait for it, so that what {@code bundles/} held at boot is there from the first line, and a reset
 * records the bundles as booted from here on.
 */
final class BootWait {
    private static final long COMMANDS_TIMEOUT_MS = 30_000;
    /** How long installed client bundles that declare commands get to register them. */
    private static final long CLIENTS_TIMEOUT_MS = 3_000;
    /** The Gogo shell bundle of the runtime, and the service through which it converts arguments. */
    private static final String GOGO_SHELL = "org.apache.felix.gogo.jline";
    private static final String CONVERTER = "org.apache.felix.service.command.Converter";

    private BootWait() {
    }

    /**
     * Waits until this bundle's {@code hwbp} and {@code sim} commands are registered (those that need the core:
     * {@code hwbp:client} is there before the core is), then gives every other installed {@code org.hwbp.*}
     * bundle a bounded time to register its own, so that a scenario's first line never meets "command not
     * found" only because a client was still starting.
     */
    static void await(BundleContext context) throws InterruptedException {
        long deadline = System.currentTimeMillis() + COMMANDS_TIMEOUT_MS;
        while (!(hasCommand(context, "hwbp", "list") && hasCommand(context, "sim", "task")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        deadline = System.currentTimeMillis() + CLIENTS_TIMEOUT_MS;
        while (!clientsReady(context) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        deadline = System.currentTimeMillis() + COMMANDS_TIMEOUT_MS;
        while (!gogoShellReady(context) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
    }

    /**
     * Gogo's own bundle commands ({@code stop NAME}, {@code start NAME}) take a Bundle, and the converter that
     * turns a symbolic name into one comes with the Gogo shell bundle, which starts one start level after the
     * project's bundles: a scenario that stops a bundle in its first lines must not run before it is there.
     * Ready once that bundle registered its converter, or when there is no such bundle.
     */
    private static boolean gogoShellReady(BundleContext context) {
        for (Bundle b : context.getBundles()) {
            if (GOGO_SHELL.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
                return registers(b, CONVERTER);
            }
        }
        return true;
    }

    private static boolean registers(Bundle b, String objectClass) {
        try {
            ServiceReference<?>[] refs = b.getRegisteredServices();
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    if (Arrays.asList((String[]) r.getProperty(Constants.OBJECTCLASS)).contains(objectClass)) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IllegalStateException uninstalled) {
            return true;
        }
    }

    private static boolean hasCommand(BundleContext context, String scope, String function) {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                    "(&(osgi.command.scope=" + scope + ")(osgi.command.function=" + function + "))");
            return refs != null && refs.length > 0;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean clientsReady(BundleContext context) {
        for (Bundle b : context.getBundles()) {
            String name = b.getSymbolicName();
            if (name == null || !name.startsWith("org.hwbp.") || b.equals(context.getBundle())
                    || b.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            if (declaresCommands(b) && !hasCommands(b)) {
                return false;
            }
        }
        return true;
    }

    /** Whether one of the bundle's DS component descriptions registers a command service. */
    private static boolean declaresCommands(Bundle b) {
        Object header = b.getHeaders().get("Service-Component");
        if (header == null) {
            return false;
        }
        for (String path : header.toString().split(",")) {
            URL entry = b.getEntry(path.trim());
            if (entry == null) {
                continue;
            }
            try (InputStream in = entry.openStream()) {
                if (new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("osgi.command.scope")) {
                    return true;
                }
            } catch (IOException e) {
                // An unreadable description cannot be waited for.
            }
        }
        return false;
    }

    private static boolean hasCommands(Bundle b) {
        try {
            ServiceReference<?>[] refs = b.getRegisteredServices();
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    if (r.getProperty("osgi.command.scope") != null) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IllegalStateException uninstalled) {
            return true;
        }
    }
}
