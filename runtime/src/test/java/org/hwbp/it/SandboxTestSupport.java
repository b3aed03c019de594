package org.hwbp.it;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;

import javax.inject.Inject;

import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.BundleContext;

/**
 * Base class of the Pax Exam integration tests: provisions the same bundles as
 * {@code hwbp-sandbox.bndrun} (minus the interactive shell and File Install), each from the
 * file that Maven resolved for this build. The paths arrive as system properties
 * {@code hwbp.it.bundle.*} set by failsafe from maven-dependency-plugin's {@code properties}
 * goal, so reactor bundles come straight from the sibling modules' {@code target/} folders.
 */
public abstract class SandboxTestSupport {

    /** Symbolic names of the project's own bundles. */
    protected static final String[] PROJECT_BUNDLES = {
        "org.hwbp.hwbp-core", "org.hwbp.ptrace-client", "org.hwbp.kgdb-client", "org.hwbp.kvm-client"
    };

    @Inject
    protected BundleContext context;

    @Configuration
    public Option[] config() {
        return options(
            frameworkProperty("org.osgi.framework.storage")
                .value(property("hwbp.it.framework.storage", "target/paxexam")),
            cleanCaches(true),
            systemProperty("org.slf4j.simpleLogger.defaultLogLevel").value("warn"),
            junitBundles(),
            platformBundles(),
            projectBundles(),
            extraOptions());
    }

    /** Declarative Services, Config Admin, Metatype, Log and the Gogo runtime and commands. */
    protected Option platformBundles() {
        return composite(
            fileBundle("function"),
            fileBundle("promise"),
            fileBundle("component"),
            fileBundle("scr"),
            fileBundle("log"),
            fileBundle("configadmin"),
            fileBundle("metatype"),
            fileBundle("gogo.runtime"),
            fileBundle("gogo.command"));
    }

    /** hwbp-core and the three client bundles. */
    protected Option projectBundles() {
        return composite(
            fileBundle("hwbp-core"),
            fileBundle("ptrace-client"),
            fileBundle("kgdb-client"),
            fileBundle("kvm-client"));
    }

    /** Hook for subclasses that need more options (system properties, extra bundles). */
    protected Option extraOptions() {
        return composite();
    }

    /** A bundle provisioned by file URL from system property {@code hwbp.it.bundle.<key>}. */
    protected static Option fileBundle(String key) {
        String name = "hwbp.it.bundle." + key;
        String path = System.getProperty(name);
        if (path == null || path.isEmpty() || path.startsWith("${")) {
            throw new IllegalStateException("system property " + name
                + " is not set: run the integration tests through Maven (mvn verify)");
        }
        File file = new File(path);
        if (!file.isFile()) {
            throw new IllegalStateException(name + " names " + file + ", which is not a file");
        }
        return bundle(file.toURI().toString()).start();
    }

    private static String property(String name, String defaultValue) {
        String value = System.getProperty(name);
        return value == null || value.isEmpty() ? defaultValue : value;
    }
}
