package org.hwbp.it;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.hwbp.it.testbundle.TestBundleActivator;

/**
 * Bundles the tests build on the driver's side (in {@code @Configuration}, where the test classes are plain
 * class-path resources) and hand to the container by path: the test bundle, and second versions of the
 * client bundles.
 */
public final class TestJars {
    /** Symbolic name of the test bundle. */
    public static final String TEST_BUNDLE = "org.hwbp.it.testbundle";
    /** The test bundle's classes, all in package {@code org.hwbp.it.testbundle}. */
    private static final String[] TEST_BUNDLE_CLASSES = { "TestBundleActivator", "Registrar", "SinkListener" };

    private TestJars() {
    }

    /** Writes the test bundle (symbolic name {@code bsn}, version {@code version}) to {@code jar}. */
    public static File testBundle(File jar, String bsn, String version) {
        return testBundle(jar, bsn, version, false);
    }

    /** The test bundle; {@code listenerOnly}: it registers its listener and no breakpoint. */
    public static File testBundle(File jar, String bsn, String version, boolean listenerOnly) {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        a.putValue("Bundle-Activator", TestBundleActivator.class.getName());
        a.putValue("Import-Package", "org.hwbp.api;version=\"[1.0,2)\",org.osgi.framework;version=\"[1.8,2)\","
            + "org.osgi.util.tracker;version=\"[1.5,2)\"");
        a.putValue("Bundle-RequiredExecutionEnvironment", "JavaSE-17");
        if (listenerOnly) {
            a.putValue(TestBundleActivator.LISTENER_ONLY_HEADER, "true");
        }
        String dir = TestBundleActivator.class.getPackageName().replace('.', '/') + "/";
        try (JarOutputStream out = new JarOutputStream(new FileOutputStream(jar), mf)) {
            for (String name : TEST_BUNDLE_CLASSES) {
                String path = dir + name + ".class";
                try (InputStream in = TestJars.class.getClassLoader().getResourceAsStream(path)) {
                    if (in == null) {
                        throw new IllegalStateException("test class " + path + " not found");
                    }
                    out.putNextEntry(new JarEntry(path));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    /** Copies bundle {@code source} to {@code target} with {@code Bundle-Version: version}; everything else kept. */
    public static File withVersion(File source, File target, String version) {
        try (JarInputStream in = new JarInputStream(new FileInputStream(source))) {
            Manifest mf = new Manifest(in.getManifest());
            mf.getMainAttributes().putValue("Bundle-Version", version);
            try (OutputStream file = new FileOutputStream(target);
                    JarOutputStream out = new JarOutputStream(file, mf)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }
}
