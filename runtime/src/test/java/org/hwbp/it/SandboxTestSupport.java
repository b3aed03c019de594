package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Base class of the Pax Exam integration tests: provisions the same bundles as
 * {@code hwbp-sandbox.bndrun} (minus the interactive shell and File Install), each from the
 * file that Maven resolved for this build. The paths arrive as system properties
 * {@code hwbp.it.bundle.*} set by failsafe from maven-dependency-plugin's {@code properties}
 * goal, so reactor bundles come straight from the sibling modules' {@code target/} folders.
 *
 * <p>Also the tests' shell: {@link #exec} runs one command line through Gogo's
 * {@link CommandProcessor}, exactly as the sandbox's shell does, and {@link #error} returns the
 * message of a refused one.
 */
public abstract class SandboxTestSupport {

    /** Symbolic names of the project's own bundles. */
    protected static final String[] PROJECT_BUNDLES = {
        "org.hwbp.hwbp-core", "org.hwbp.ptrace-client", "org.hwbp.kgdb-client", "org.hwbp.kvm-client",
        "org.hwbp.shell"
    };
    protected static final String CORE = "org.hwbp.hwbp-core";
    /** The shell bundle: the hwbp: and sim: commands, and the owner of the breakpoints hwbp:register makes. */
    protected static final String SHELL = "org.hwbp.shell";
    protected static final String PTRACE = "org.hwbp.ptrace-client";
    protected static final String KGDB = "org.hwbp.kgdb-client";
    protected static final String KVM = "org.hwbp.kvm-client";

    /** How long anything asynchronous (DS re-binding, File Install, refresh) may take. */
    protected static final long TIMEOUT_MS = 10_000;

    @Inject
    protected BundleContext context;

    @Inject
    protected CommandProcessor processor;

    @Configuration
    public Option[] config() {
        return options(
            frameworkProperty("org.osgi.framework.storage")
                .value(property("hwbp.it.framework.storage", "target/paxexam")),
            // Pax Logging's framework listener logs nothing under AUDIT: each FrameworkEvent ERROR is printed
            // once, by Pax Exam's container (twice before), or by the test itself (ChurnIT).
            frameworkProperty("org.ops4j.pax.logging.service.frameworkEventsLogLevel").value("AUDIT"),
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

    /** hwbp-core, the three client bundles and the shell (last, as in the bndrun: the bundle ids stay). */
    protected Option projectBundles() {
        return composite(
            fileBundle("hwbp-core"),
            fileBundle("ptrace-client"),
            fileBundle("kgdb-client"),
            fileBundle("kvm-client"),
            fileBundle("shell"));
    }

    /** Hook for subclasses that need more options (system properties, extra bundles). */
    protected Option extraOptions() {
        return composite();
    }

    /** A bundle provisioned by file URL from system property {@code hwbp.it.bundle.<key>}. */
    protected static Option fileBundle(String key) {
        return bundle(bundleFile(key).toURI().toString()).start();
    }

    /** The file named by system property {@code hwbp.it.bundle.<key>} (set by failsafe). */
    protected static File bundleFile(String key) {
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
        return file;
    }

    /** A folder for files the tests build (test bundles, second versions of the clients). */
    protected static File workDir() {
        File storage = new File(property("hwbp.it.framework.storage", "target/paxexam"));
        File dir = new File(storage.getAbsoluteFile().getParentFile(), "it-work");
        dir.mkdirs();
        return dir;
    }

    protected static String property(String name, String defaultValue) {
        String value = System.getProperty(name);
        return value == null || value.isEmpty() ? defaultValue : value;
    }

    // ------------------------------------------------------------------ the shell

    /** Runs one command line in a fresh Gogo session; its result as text. Fails the test if it throws. */
    protected String exec(String line) {
        try {
            return call(line);
        } catch (Exception e) {
            throw new AssertionError("'" + line + "' failed: " + e.getMessage(), e);
        }
    }

    /** Runs a command line that must be refused; the exception's message (it starts with the errno name). */
    protected String error(String line) {
        String result;
        try {
            result = call(line);
        } catch (Exception e) {
            return String.valueOf(e.getMessage());
        }
        throw new AssertionError("'" + line + "' should have been refused but printed: " + result);
    }

    /** Runs a command line that must be refused with {@code errno}; the message. */
    protected String error(String errno, String line) {
        String message = error(line);
        assertTrue("'" + line + "' should fail with " + errno + ": " + message, message.startsWith(errno + ": "));
        return message;
    }

    private String call(String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), print, print);
        try {
            Object result = session.execute(line);
            print.flush();
            String printed = out.toString(StandardCharsets.UTF_8);
            return result != null ? String.valueOf(result) : printed.strip();
        } finally {
            session.close();
        }
    }

    /** Runs {@code line} for its effect only (clean-up that may find nothing to clean); its output or refusal. */
    protected String quietly(String line) {
        try {
            return call(line);
        } catch (Exception e) {
            return String.valueOf(e.getMessage());
        }
    }

    /** Runs {@code line} until it succeeds (e.g. a client re-binding to the core); its last output. */
    protected String awaitExec(String line) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (true) {
            try {
                return call(line);
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("'" + line + "' still fails after " + TIMEOUT_MS + " ms: "
                        + e.getMessage(), e);
                }
            }
            sleep(20);
        }
    }

    /** Waits (polling) until {@code condition} holds. */
    protected static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + TIMEOUT_MS + " ms waiting for " + what);
            }
            sleep(20);
        }
    }

    protected static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The first group of {@code regex} in {@code text}; fails if it does not match. */
    protected static String group(String regex, String text) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        if (!m.find()) {
            fail("/" + regex + "/ does not match:\n" + text);
        }
        return m.group(1);
    }

    /** Asserts that {@code text} contains a match of {@code regex} (multi-line mode). */
    protected static void assertMatches(String regex, String text) {
        if (!Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find()) {
            fail("/" + regex + "/ does not match:\n" + text);
        }
    }

    /** Asserts that {@code text} contains no match of {@code regex} (multi-line mode). */
    protected static void assertNoMatch(String regex, String text) {
        if (Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find()) {
            fail("/" + regex + "/ should not match:\n" + text);
        }
    }

    /** Creates a task with {@code sim:task}; its id. */
    protected int newTask(String name) {
        return Integer.parseInt(group("^task (\\d+)$", exec("sim:task " + name)));
    }

    /**
     * The accounting as the shell shows it: every CPU's holder, reserved slots, installed count and task
     * ({@code hwbp:cpus} without its DR7 column). DR7 is left out because Linux leaves it changed after the last
     * breakpoint goes: arch_uninstall_hw_breakpoint() clears only __encode_dr7() of the slot, so the GE bit
     * (0x200) that encode_dr7() set stays in cpu_dr7 and in the register. {@code hwbp:check} compares DR7
     * with cpu_dr7.
     */
    protected String accounting() {
        StringBuilder sb = new StringBuilder();
        for (String line : exec("hwbp:cpus").split("\n")) {
            // the columns without DR7, single-spaced (the table's padding follows the DR7 values' widths)
            sb.append(line.strip().replaceAll("\\s+0x[0-9a-f]+\\b", "").replaceAll("\\s+", " ")).append('\n');
        }
        return sb.toString();
    }

    /** The {@code bp N: ...} lines of {@code kgdb:status}. */
    protected static String kgdbEntries(String status) {
        StringBuilder sb = new StringBuilder();
        for (String line : status.split("\n")) {
            if (line.startsWith("bp ")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    /** Waits until the commands of every installed client are served: the clients are bound to the core. */
    protected void awaitClients() {
        awaitExec("hwbp:used");
        if (findBundle(PTRACE) != null) {
            awaitBound("ptrace:status 999999");
        }
        if (findBundle(KGDB) != null) {
            awaitExec("kgdb:status");
        }
        if (findBundle(KVM) != null) {
            awaitExec("kvm:policy");
        }
    }

    /**
     * Runs {@code line} until its command exists and its client is bound to the core: it succeeds, or is refused
     * with anything but {@code EBUSY: core unavailable}. Its output or refusal.
     */
    protected String awaitBound(String line) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        String last;
        while (true) {
            try {
                return call(line);
            } catch (Exception e) {
                last = String.valueOf(e.getMessage());
                boolean unbound = last.startsWith("EBUSY: core unavailable") || last.startsWith("Command not found");
                if (!unbound) {
                    return last;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("'" + line + "' still unbound after " + TIMEOUT_MS + " ms: " + last);
            }
            sleep(20);
        }
    }

    // ------------------------------------------------------------------ bundles

    /** The installed bundle with this symbolic name, or null. */
    protected Bundle findBundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    protected Bundle requireBundle(String bsn) {
        Bundle b = findBundle(bsn);
        if (b == null) {
            fail(bsn + " is not installed");
        }
        return b;
    }

    /** Refreshes {@code bundles} (or every pending removal when none are given) and waits until it is done. */
    protected void refresh(Bundle... bundles) {
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        CountDownLatch done = new CountDownLatch(1);
        FrameworkListener listener = event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED || event.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        };
        wiring.refreshBundles(bundles.length == 0 ? null : java.util.Arrays.asList(bundles), listener);
        try {
            assertTrue("refresh did not finish in time", done.await(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Whether some service is registered with {@code osgi.command.scope=scope}. */
    protected boolean hasCommands(String scope) {
        return hasServices("(osgi.command.scope=" + scope + ")");
    }

    /** Whether the command {@code scope:function} is registered. */
    protected boolean hasCommand(String scope, String function) {
        return hasServices("(&(osgi.command.scope=" + scope + ")(osgi.command.function=" + function + "))");
    }

    private boolean hasServices(String filter) {
        try {
            return context.getServiceReferences((String) null, filter) != null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    protected static void assertState(Bundle b, int state) {
        assertEquals(b.getSymbolicName() + " state", state, b.getState());
    }

    // ------------------------------------------------------------------ leaks

    /** Waits (collecting garbage) until the class loader behind {@code loader} is collected; fails if it never is. */
    protected static void assertCollected(String bsn, WeakReference<ClassLoader> loader) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        List<byte[]> pressure = new ArrayList<>();
        while (loader.get() != null) {
            if (System.nanoTime() > deadline) {
                fail("the class loader of uninstalled " + bsn + " is still referenced after " + TIMEOUT_MS + " ms");
            }
            System.gc();
            pressure.add(new byte[1 << 20]);
            if (pressure.size() > 16) {
                pressure.clear();
            }
            sleep(50);
        }
    }

    /** The class loader of bundle {@code bsn}, reachable only weakly (no local of the caller keeps it). */
    protected WeakReference<ClassLoader> classLoaderOf(String bsn, String className) {
        try {
            return new WeakReference<>(requireBundle(bsn).loadClass(className).getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(className + " not found in " + bsn, e);
        }
    }

    /**
     * The live threads the core's dispatcher runs callbacks of {@code bsn} on (its Dispatcher names them
     * {@code hwbp-callbacks <bundle>}).
     */
    protected static List<String> callbackThreads(String bsn) {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().equals("hwbp-callbacks " + bsn)) {
                names.add(t.getName());
            }
        }
        return names;
    }
}
