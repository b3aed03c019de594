package org.hwbp.shell;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;

/** Bundles as jars: a copy of an installed bundle's jar, and the symbolic name a jar file declares. */
final class BundleJars {
    private static final String MANIFEST = "META-INF/MANIFEST.MF";

    private BundleJars() {
    }

    /**
     * The bundle's jar rebuilt from the entries of its current revision, manifest first (JarInputStream wants it
     * there): where the launcher installed it from (a path inside the runtime jar, a Pax Exam URL) need not be
     * readable again.
     */
    static byte[] copyOf(Bundle b, String command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> paths = new ArrayList<>();
        Enumeration<URL> entries = b.findEntries("/", "*", true);
        for (URL u : entries == null ? Collections.<URL>emptyList() : Collections.list(entries)) {
            String p = u.getPath().startsWith("/") ? u.getPath().substring(1) : u.getPath();
            if (!p.isEmpty() && !p.endsWith("/") && !p.equals(MANIFEST)) {
                paths.add(p);
            }
        }
        Collections.sort(paths);
        paths.add(0, MANIFEST);
        try (JarOutputStream jar = new JarOutputStream(out)) {
            for (String p : paths) {
                URL u = b.getEntry(p);
                if (u == null) {
                    continue;
                }
                jar.putNextEntry(new JarEntry(p));
                try (InputStream in = u.openStream()) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new HwbpException(Errno.EIO, command + ": reading " + b.getSymbolicName() + " failed: " + e);
        }
        return out.toByteArray();
    }

    /** The Bundle-SymbolicName of a jar file without its directives; null when it is no bundle or unreadable. */
    static String symbolicName(Path jar) {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest mf = in.getManifest();
            String bsn = mf == null ? null : mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            return bsn == null ? null : bsn.split(";")[0].trim();
        } catch (IOException e) {
            return null;
        }
    }
}
