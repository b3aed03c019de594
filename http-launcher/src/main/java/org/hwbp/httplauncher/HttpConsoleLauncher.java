package org.hwbp.httplauncher;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.JarURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * {@code ./sandbox --http PORT}: installs and starts the bundles of the Felix HTTP service (Jetty), the Felix
 * Web Console and the Debug Registers plugin, which the runtime jar carries under {@code http/}, when the
 * property {@value #PORT} is set; does nothing otherwise.
 *
 * <p>The bnd launcher starts this activator (manifest header {@code Embedded-Activator} of a {@code -runpath}
 * jar) after it has installed and started the {@code -runbundles}: the framework's bundle ids 0..N stay those
 * of a runtime without the option (transcripts print them) and the HTTP bundles come after, in name order.
 *
 * <p>Before installing, it sets the framework properties Felix HTTP reads, unless given on the command line:
 * {@code org.osgi.service.http.port} = the port, {@code org.apache.felix.http.host} = 127.0.0.1 (loopback
 * only), and slf4j-simple's level to {@code warn} (Jetty's INFO lines would mix with the shell's output).
 */
public final class HttpConsoleLauncher implements BundleActivator {
    /** The port, set by {@code ./sandbox --http PORT}. */
    public static final String PORT = "hwbp.http.port";
    /** Where the bundles are in the runtime jar. */
    static final String FOLDER = "http/";
    private static final String LOCATION = "hwbp-http:";

    @Override
    public void start(BundleContext context) throws BundleException, IOException {
        String port = context.getProperty(PORT);
        if (port == null || port.isEmpty()) {
            return;
        }
        int p = parsePort(port);
        setIfAbsent("org.osgi.service.http.port", Integer.toString(p));
        setIfAbsent("org.apache.felix.http.host", "127.0.0.1");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        String refused = unavailable(System.getProperty("org.apache.felix.http.host"),
                Integer.parseInt(System.getProperty("org.osgi.service.http.port")));
        if (refused != null) {
            // Jetty would print two stack traces and run without a connector; the shell goes on without the
            // Web Console, and says why in one line.
            System.err.println("hwbp: " + refused + "; no Web Console");
            return;
        }
        List<Bundle> installed = new ArrayList<>();
        for (String entry : bundleEntries()) {
            try (InputStream in = HttpConsoleLauncher.class.getClassLoader().getResourceAsStream(entry)) {
                installed.add(context.installBundle(LOCATION + entry.substring(FOLDER.length()), in));
            }
        }
        if (installed.isEmpty()) {
            throw new BundleException(PORT + " is set but the runtime jar has no " + FOLDER + " bundles");
        }
        for (Bundle b : installed) {
            b.start();
        }
    }

    @Override
    public void stop(BundleContext context) {
        // The framework stops and uninstalls nothing on its own: the bundles go with it.
    }

    /** A TCP port 1..65535. */
    static int parsePort(String port) {
        try {
            int p = Integer.parseInt(port.trim());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(PORT + " must be a TCP port 1..65535, not '" + port + "'");
    }

    /**
     * Why Jetty could not listen on {@code host:port}, as the errno bind(2) gives (EADDRINUSE, EACCES for a port
     * below 1024 without the right, EADDRNOTAVAIL for an address not on this machine), or null if it can: a
     * socket is bound there as Jetty binds its connector (SO_REUSEADDR) and closed at once.
     */
    static String unavailable(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
            return null;
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage());
            String errno = why.contains("Permission denied") ? "EACCES"
                    : why.contains("Cannot assign requested address") || why.contains("Unresolved") ? "EADDRNOTAVAIL"
                    : "EADDRINUSE";
            return errno + ": " + PORT + ": cannot listen on " + host + ":" + port + " (" + why + ")";
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The {@code http/*.jar} entries of the jar that holds {@code http/}, in name order. */
    static List<String> bundleEntries() throws IOException {
        List<String> entries = new ArrayList<>();
        URL marker = HttpConsoleLauncher.class.getClassLoader().getResource(FOLDER + "README");
        if (marker == null) {
            return entries;
        }
        JarURLConnection c = (JarURLConnection) marker.openConnection();
        c.setUseCaches(false);
        try (JarFile jar = c.getJarFile()) {
            for (JarEntry e : Collections.list(jar.entries())) {
                String name = e.getName();
                if (name.startsWith(FOLDER) && name.endsWith(".jar") && name.indexOf('/', FOLDER.length()) < 0) {
                    entries.add(name);
                }
            }
        }
        Collections.sort(entries);
        return entries;
    }
}
