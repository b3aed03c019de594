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

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/**
 * Hot deployment as the sandbox does it: Felix File Install watches a {@code bundles/} folder (here a fresh
 * temporary one, polled every 100 ms); a jar dropped into it is installed and started within seconds, and
 * deleting it uninstalls the bundle.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
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

        drop(bundleFile("kvm-client"), "kvm-client.jar");
        await(KVM + " installed and active by File Install", () -> {
            Bundle b = findBundle(KVM);
            return b != null && b.getState() == Bundle.ACTIVE;
        });
        // a new bundle with a new data area: its commands answer, with the default policy, not a saved one
        assertEquals("policy today", awaitExec("kvm:policy"));
        String vm = group("^vm (\\d+)$", exec("kvm:create"));
        assertMatches("^exit hlt dr_reads=0 dr_writes=0$", exec("kvm:run " + vm + " 0 3"));
        assertEquals("ok", exec("kvm:destroy " + vm));
    }

    /** Copies {@code jar} into the watched folder in one step (File Install never sees half a jar). */
    private Path drop(File jar, String name) throws IOException {
        Path dir = new File(context.getProperty(DIR)).toPath();
        Path tmp = Files.createTempFile(dir.getParent(), name, ".part");
        Files.copy(jar.toPath(), tmp, StandardCopyOption.REPLACE_EXISTING);
        return Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }
}
