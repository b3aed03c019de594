package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.Version;

/**
 * Hot deployment as the sandbox does it: Felix File Install watches a {@code bundles/} folder (here a fresh
 * temporary one, polled every 100 ms); a jar dropped into it is installed and started within seconds, and
 * deleting it uninstalls the bundle; a jar of a built-in client replaces that client instead, and deleting it
 * brings the built-in one back, with the client's state both ways. A fresh framework per test: one test
 * uninstalls the built-in kvm-client, which another one needs.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class FileInstallIT extends SandboxTestSupport {
    private static final String DIR = "felix.fileinstall.dir";
    private static final String TEST_BUNDLE_JAR = "hwbp.it.testbundle.jar";

    @Override
    protected Option extraOptions() {
        File dir;
        File jar;
        try {
            dir = Files.createTempDirectory(workDir().toPath(), "bundles-").toFile();
            jar = TestJars.testBundle(new File(workDir(), "fileinstall-testbundle.jar"), TestJars.TEST_BUNDLE, "1.0.0");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return composite(
            frameworkProperty(DIR).value(dir.getAbsolutePath()),
            frameworkProperty("felix.fileinstall.poll").value("100"),
            frameworkProperty("felix.fileinstall.noInitialDelay").value("true"),
            frameworkProperty("felix.fileinstall.log.level").value("1"),
            frameworkProperty(TEST_BUNDLE_JAR).value(jar.getAbsolutePath()),
            fileBundle("fileinstall"));
    }

    @Before
    public void clientsBound() {
        awaitClients();
    }

    @Test
    public void droppedBundleIsStartedAndDeletedOneUninstalled() throws IOException {
        String usedBefore = exec("hwbp:used");
        String before = accounting();
        Path dropped = drop(new File(context.getProperty(TEST_BUNDLE_JAR)), "testbundle.jar");

        await(TestJars.TEST_BUNDLE + " installed and active by File Install", () -> {
            Bundle b = findBundle(TestJars.TEST_BUNDLE);
            return b != null && b.getState() == Bundle.ACTIVE;
        });
        // its activator registered its breakpoints through the core
        await("its breakpoints", () -> exec("hwbp:list").contains(TestJars.TEST_BUNDLE));
        assertEquals("true", exec("hwbp:used"));

        Files.delete(dropped);
        await(TestJars.TEST_BUNDLE + " uninstalled by File Install", () -> findBundle(TestJars.TEST_BUNDLE) == null);
        assertEquals(usedBefore, exec("hwbp:used"));
        assertEquals(before, accounting());
        assertEquals("ok", exec("hwbp:check"));
    }

    @Test
    public void clientJarDroppedAfterUninstallComesBack() throws BundleException, IOException {
        Bundle kvm = requireBundle(KVM);
        kvm.uninstall();
        refresh();
        assertFalse(hasCommands("kvm"));

        Path dropped = drop(bundleFile("kvm-client"), "kvm-client.jar");
        await(KVM + " installed and active by File Install", () -> {
            Bundle b = findBundle(KVM);
            return b != null && b.getState() == Bundle.ACTIVE;
        });
        // a new bundle with a new data area: its commands answer, with the default policy, not a saved one
        assertEquals("policy today", awaitExec("kvm:policy"));
        String vm = group("^vm (\\d+)$", exec("kvm:create"));
        assertMatches("^exit hlt dr_reads=0 dr_writes=0$", exec("kvm:run " + vm + " 0 3"));
        assertEquals("ok", exec("kvm:destroy " + vm));

        // not built-in: deleting its jar uninstalls it
        Files.delete(dropped);
        await(KVM + " uninstalled by File Install", () -> findBundle(KVM) == null);
    }

    /**
     * A jar of the built-in kvm-client (another version) in the folder updates the built-in bundle in place (same
     * id, same location, one bundle of that name), and deleting the jar updates it back to the built-in jar: the VM
     * created before lives on through both updates, which an uninstall would have lost.
     */
    @Test
    public void builtInClientReplacedByAJarComesBackWithItsStateWhenTheJarIsDeleted() throws IOException {
        Bundle kvm = requireBundle(KVM);
        long id = kvm.getBundleId();
        String location = kvm.getLocation();
        Version builtIn = kvm.getVersion();
        Version replacement = new Version(9, 0, 0);
        String vm = group("^vm (\\d+)$", exec("kvm:create"));
        // the update restarts the bundle, then the refresh that follows it restarts it again: wait for both
        AtomicInteger refreshes = new AtomicInteger();
        FrameworkListener refreshed = e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshes.incrementAndGet();
            }
        };
        context.addFrameworkListener(refreshed);
        try {
            File jar = TestJars.withVersion(bundleFile("kvm-client"), new File(workDir(), "kvm-client-9.0.0.jar"),
                    replacement.toString());
            Path dropped = drop(jar, "kvm-client.jar");
            await(KVM + " updated in place to " + replacement + " and refreshed",
                () -> refreshes.get() >= 1 && isActive(id, replacement));
            assertEquals(location, context.getBundle(id).getLocation());
            assertEquals(1, Arrays.stream(context.getBundles()).filter(b -> KVM.equals(b.getSymbolicName())).count());
            assertMatches("^exit hlt dr_reads=0 dr_writes=0$", awaitExec("kvm:run " + vm + " 0 3"));

            Files.delete(dropped);
            await(KVM + " back to its built-in " + builtIn + " and refreshed",
                () -> refreshes.get() >= 2 && isActive(id, builtIn));
            assertEquals(location, context.getBundle(id).getLocation());
            assertMatches("^exit hlt dr_reads=0 dr_writes=0$", awaitExec("kvm:run " + vm + " 0 3"));
            assertEquals("ok", exec("hwbp:check"));
            assertEquals("ok", awaitExec("kvm:destroy " + vm));
        } finally {
            context.removeFrameworkListener(refreshed);
        }
    }

    private boolean isActive(long id, Version version) {
        Bundle b = context.getBundle(id);
        return b != null && b.getState() == Bundle.ACTIVE && b.getVersion().equals(version);
    }

    /** Copies {@code jar} into the watched folder in one step (File Install never sees half a jar). */
    private Path drop(File jar, String name) throws IOException {
        Path dir = new File(context.getProperty(DIR)).toPath();
        Path tmp = Files.createTempFile(dir.getParent(), name, ".part");
        Files.copy(jar.toPath(), tmp, StandardCopyOption.REPLACE_EXISTING);
        return Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }
}
