package org.hwbp.shell;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * A jar in {@code bundles/} whose symbolic name is a built-in client's (a bundle the launcher installed, not File
 * Install) replaces that client instead of being a second bundle: dropping it is a live update of the built-in
 * bundle (as {@code hwbp:swap}: update, refresh awaited), changing it updates again, and deleting it brings the
 * built-in version back the same way. Each step is an update, never an uninstall, so the client hands its state
 * (ptrace's tracees, kgdb's entries and hold, KVM's VMs) over to the next revision through its data area.
 *
 * <p>Felix File Install asks the {@link ArtifactInstaller} services it tracks before it handles a jar itself, so
 * this component takes exactly those jars and leaves every other one to File Install (install, update,
 * uninstall). The built-in jar is kept, as a copy of the bundle's entries taken before the first replacement, in
 * this bundle's data area, beside which file replaces which bundle: both outlive a restart of the shell bundle.
 *
 * <p>A bundle whose refresh would restart the shell bundle (hwbp-core, whose API the shell imports, and the shell
 * itself) is no such client: replacing it from here would refresh the code that is running the replacement. Such
 * a jar stays File Install's. The component only needs File Install's package, which the shell imports optionally:
 * it is delayed, so without File Install nothing ever creates it.
 */
@Component(service = ArtifactInstaller.class)
public final class BuiltinClientReplacements implements ArtifactInstaller {
    /** File Install's folder property: one folder or several separated by commas; its default folder. */
    private static final String WATCHED = "felix.fileinstall.dir";
    private static final String DEFAULT_WATCHED = "load";
    private static final String RECORDS = "replacing.properties";
    private static final String WHO = "bundles/";

    private final Bundle shell;
    /** The framework's, not this bundle's: still valid if the shell bundle is refreshed while a jar is handled. */
    private final BundleContext framework;
    private final FrameworkWiring wiring;
    private final Path store;
    private final List<Path> watched = new ArrayList<>();

    @Activate
    public BuiltinClientReplacements(BundleContext context) {
        this.shell = context.getBundle();
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        this.framework = system.getBundleContext();
        this.wiring = system.adapt(FrameworkWiring.class);
        this.store = context.getDataFile("builtin-clients").toPath();
        String dirs = context.getProperty(WATCHED);
        for (String d : (dirs == null ? DEFAULT_WATCHED : dirs).split(",")) {
            watched.add(canonical(new File(d.trim())));
        }
    }

    /** A jar of a built-in client, or a jar deleted since it replaced one. */
    @Override
    public boolean canHandle(File artifact) {
        if (!artifact.getName().endsWith(".jar")) {
            return false;
        }
        if (!artifact.exists()) {
            synchronized (this) {
                return records().containsKey(key(artifact));
            }
        }
        return builtin(BundleJars.symbolicName(artifact.toPath())) != null;
    }

    @Override
    public synchronized void install(File artifact) throws IOException {
        String bsn = BundleJars.symbolicName(artifact.toPath());
        Bundle client = builtin(bsn);
        if (client == null) {
            throw new IOException(artifact + " is no longer a built-in client's jar");
        }
        Path saved = saved(bsn);
        if (!Files.exists(saved)) {
            Files.createDirectories(store);
            Files.write(saved, BundleJars.copyOf(client, WHO));
        }
        Properties records = records();
        records.setProperty(key(artifact), bsn);
        store(records);
        replace(client, artifact.toPath());
    }

    @Override
    public synchronized void update(File artifact) throws IOException {
        String recorded = records().getProperty(key(artifact));
        if (recorded == null || !recorded.equals(BundleJars.symbolicName(artifact.toPath()))) {
            // Another client's jar under the same file name: the old one comes back, the new one is replaced.
            uninstall(artifact);
            install(artifact);
            return;
        }
        Bundle client = builtin(recorded);
        if (client != null) {
            replace(client, artifact.toPath());
        }
    }

    /**
     * The jar is gone: the client gets the jar of another file that still replaces it, else its built-in jar back.
     * If the client was uninstalled meanwhile, there is nothing to give it back to.
     */
    @Override
    public synchronized void uninstall(File artifact) throws IOException {
        Properties records = records();
        String bsn = (String) records.remove(key(artifact));
        store(records);
        if (bsn == null) {
            return;
        }
        Bundle client = builtin(bsn);
        for (String other : records.stringPropertyNames()) {
            if (bsn.equals(records.getProperty(other)) && Files.exists(Path.of(other)) && client != null) {
                replace(client, Path.of(other));
                return;
            }
        }
        Path saved = saved(bsn);
        try {
            if (client != null && Files.exists(saved)) {
                replace(client, saved);
            }
        } finally {
            Files.deleteIfExists(saved);
        }
    }

    private void replace(Bundle client, Path jar) throws IOException {
        byte[] content = Files.readAllBytes(jar);
        LiveUpdate.update(wiring, client, new ByteArrayInputStream(content), WHO + jar.getFileName());
    }

    /**
     * The bundle named {@code bsn} that the launcher installed (its location is in no watched folder), when its
     * refresh leaves the shell bundle alone; else null.
     */
    private Bundle builtin(String bsn) {
        if (bsn == null) {
            return null;
        }
        for (Bundle b : framework.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && b.getBundleId() != Constants.SYSTEM_BUNDLE_ID
                    && b.getState() != Bundle.UNINSTALLED && !isFragment(b) && !inWatchedFolder(b)
                    && !wiring.getDependencyClosure(List.of(b)).contains(shell)) {
                return b;
            }
        }
        return null;
    }

    private static boolean isFragment(Bundle b) {
        BundleRevision r = b.adapt(BundleRevision.class);
        return r != null && (r.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    /** File Install installs a jar with its file: URI as location. */
    private boolean inWatchedFolder(Bundle b) {
        Path file;
        try {
            URI location = new URI(b.getLocation());
            if (!"file".equals(location.getScheme())) {
                return false;
            }
            file = canonical(new File(location));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return false;
        }
        return watched.contains(file.getParent());
    }

    private Path saved(String bsn) {
        return store.resolve(bsn + ".jar");
    }

    private static String key(File artifact) {
        return canonical(artifact).toString();
    }

    private static Path canonical(File f) {
        return f.getAbsoluteFile().toPath().normalize();
    }

    /** Which file replaces which client: absolute path of the jar to symbolic name. */
    private Properties records() {
        Properties p = new Properties();
        Path file = store.resolve(RECORDS);
        if (Files.exists(file)) {
            try (Reader in = Files.newBufferedReader(file)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }

    private void store(Properties records) throws IOException {
        Files.createDirectories(store);
        try (Writer out = Files.newBufferedWriter(store.resolve(RECORDS))) {
            records.store(out, null);
        }
    }
}
