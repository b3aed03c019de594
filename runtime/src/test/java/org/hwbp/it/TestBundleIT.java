package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.function.Consumer;

import org.hwbp.it.testbundle.TestBundleActivator;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceRegistration;

/**
 * Bundle scope (issue 4): a bundle built in the test registers breakpoints and a listener; when it stops, the
 * core releases everything it owned, the accounting and {@code hwbp:used} are what they were without it, and
 * its listener hears nothing more.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TestBundleIT extends SandboxTestSupport {
    private static final String JAR_PROPERTY = "hwbp.it.testbundle.jar";
    private static final String LISTENER_JAR_PROPERTY = "hwbp.it.listenerbundle.jar";
    private static final String LISTENER_BUNDLE = "org.hwbp.it.listener";

    private final List<String> sink = Collections.synchronizedList(new ArrayList<>());
    private ServiceRegistration<?> sinkRegistration;

    @Override
    protected Option extraOptions() {
        File jar = TestJars.testBundle(new File(workDir(), "testbundle.jar"), TestJars.TEST_BUNDLE, "1.0.0");
        File listener = TestJars.testBundle(new File(workDir(), "listenerbundle.jar"), LISTENER_BUNDLE, "1.0.0", true);
        return composite(
            systemProperty(JAR_PROPERTY).value(jar.getAbsolutePath()),
            systemProperty(LISTENER_JAR_PROPERTY).value(listener.getAbsolutePath()));
    }

    @Before
    public void setUp() {
        awaitClients();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(TestBundleActivator.SINK_PROPERTY, "true");
        Consumer<String> consumer = sink::add;
        sinkRegistration = context.registerService(Consumer.class.getName(), consumer, props);
    }

    @After
    public void tearDown() {
        sinkRegistration.unregister();
    }

    @Test
    public void stoppedBundleLeavesTheAccountingAsItWasWithoutIt() throws BundleException {
        assertEquals("false", exec("hwbp:used"));
        String cpusBefore = accounting();
        String listBefore = exec("hwbp:list");

        Bundle b = context.installBundle(jarUri(JAR_PROPERTY));
        try {
            b.start();
            await("the test bundle's breakpoints", () -> sink.contains(TestJars.TEST_BUNDLE + " registered"));
            assertEquals("true", exec("hwbp:used"));
            String list = exec("hwbp:list");
            assertEquals(list, 6, count("^\\d+\\s+" + TestJars.TEST_BUNDLE.replace(".", "\\.") + "\\s", list));
            assertMatches("^2\\s+HOST\\s+2/4\\s+2\\s", accounting());
            assertMatches("^3\\s+HOST\\s+2/4\\s+2\\s", accounting());
            assertMatches("^0\\s+HOST\\s+1/4\\s+1\\s", accounting());

            // its handler is called when its breakpoint fires, its listener when kgdb claims the machine
            assertMatches("triggered", exec("sim:access --kernel 2 0xffffffff82008000 8 w"));
            await("the trigger", () -> sink.stream().anyMatch(s -> s.matches(".* triggered bp \\d+ cpu 2")));
            sink.clear();
            exec("kgdb:break");
            exec("kgdb:continue");
            String released = TestJars.TEST_BUNDLE + " released [0, 1, 2, 3] DEBUGGER";
            await("claimed ... released", () -> sink.contains(released));
            List<String> heard = new ArrayList<>(sink);
            assertEquals(heard.toString(), TestJars.TEST_BUNDLE + " claimed [0, 1, 2, 3] DEBUGGER", heard.get(0));
            assertEquals(heard.toString(), 6, heard.stream().filter(s -> s.contains(" preempted bp ")).count());
            assertEquals(heard.toString(), 6, heard.stream().filter(s -> s.contains(" restored bp ")).count());
            assertEquals(heard.toString(), 14, heard.size());

            b.stop();
            assertEquals("false", exec("hwbp:used"));
            assertEquals(cpusBefore, accounting());
            assertEquals(listBefore, exec("hwbp:list"));
            assertEquals("ok", exec("hwbp:check"));
            await("no callback thread of the stopped bundle", () -> callbackThreads(TestJars.TEST_BUNDLE).isEmpty());

            // its listener is gone: a claim reaches nobody of it
            sink.clear();
            exec("kgdb:break");
            exec("kgdb:continue");
            sleep(100);
            assertEquals(List.of(), sink);
            assertEquals("ok", exec("hwbp:check"));
        } finally {
            b.uninstall();
        }
    }

    @Test
    public void uninstalledBundleLeavesNothingBehind() throws BundleException {
        String usedBefore = exec("hwbp:used");
        String cpusBefore = accounting();
        context.installBundle(jarUri(JAR_PROPERTY)).start();
        await("the test bundle's breakpoints", () -> sink.contains(TestJars.TEST_BUNDLE + " registered"));
        assertEquals("true", exec("hwbp:used"));
        assertMatches("triggered", exec("sim:access --kernel 3 0xffffffff82008008 1 r"));
        exec("kgdb:break");
        exec("kgdb:continue");

        WeakReference<ClassLoader> loader = classLoaderOf(TestJars.TEST_BUNDLE, TestBundleActivator.class.getName());
        requireBundle(TestJars.TEST_BUNDLE).uninstall();
        refresh();
        assertEquals(usedBefore, exec("hwbp:used"));
        assertEquals(cpusBefore, accounting());
        assertEquals("ok", exec("hwbp:check"));
        await("no callback thread of the uninstalled bundle", () -> callbackThreads(TestJars.TEST_BUNDLE).isEmpty());
        assertCollected(TestJars.TEST_BUNDLE, loader);
    }

    /** A bundle the core knows only as a whiteboard listener leaves no callback thread and no class loader. */
    @Test
    public void listenerOnlyBundleLeavesNoCallbackThreadBehind() throws BundleException {
        context.installBundle(jarUri(LISTENER_JAR_PROPERTY)).start();
        await("the listener bundle", () -> sink.contains(LISTENER_BUNDLE + " listening"));
        exec("kgdb:break");
        exec("kgdb:continue");
        await("its callbacks", () -> sink.contains(LISTENER_BUNDLE + " released [0, 1, 2, 3] DEBUGGER"));

        requireBundle(LISTENER_BUNDLE).stop();
        await("no callback thread of the stopped listener bundle", () -> callbackThreads(LISTENER_BUNDLE).isEmpty());

        WeakReference<ClassLoader> loader = classLoaderOf(LISTENER_BUNDLE, TestBundleActivator.class.getName());
        requireBundle(LISTENER_BUNDLE).uninstall();
        refresh();
        assertCollected(LISTENER_BUNDLE, loader);
    }

    private static String jarUri(String property) {
        String path = System.getProperty(property);
        assertTrue(property + " not set", path != null);
        return new File(path).toURI().toString();
    }

    private static int count(String regex, String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex, java.util.regex.Pattern.MULTILINE)
            .matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
