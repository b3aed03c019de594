package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** The provisioned runtime starts cleanly: every bundle active, every DS component satisfied. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RuntimeIT extends SandboxTestSupport {

    @Inject
    private ServiceComponentRuntime scr;

    @Test
    public void everyBundleIsActive() {
        List<String> notActive = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            if (!fragment && b.getState() != Bundle.ACTIVE) {
                notActive.add(b.getSymbolicName() + " " + b.getVersion() + " state=" + b.getState());
            }
        }
        assertEquals("bundles not ACTIVE", List.of(), notActive);
    }

    @Test
    public void projectBundlesAreInstalled() {
        List<String> installed = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            installed.add(b.getSymbolicName());
        }
        for (String bsn : PROJECT_BUNDLES) {
            assertTrue(bsn + " not installed: " + installed, installed.contains(bsn));
        }
    }

    /**
     * Issue 13: the commands, the runner and the clients use only exported API packages, and the core has no
     * shell of its own (no Gogo import); the inspection API is exported.
     */
    @Test
    public void onlyTheApiCrossesBundlesAndTheCoreImportsNoGogo() {
        for (String bsn : PROJECT_BUNDLES) {
            String imports = String.valueOf(requireBundle(bsn).getHeaders().get("Import-Package"));
            for (String pkg : imports.split(",(?=[a-z])")) {
                String name = pkg.split(";")[0].trim();
                if (name.startsWith("org.hwbp.")) {
                    assertTrue(bsn + " imports " + name, name.equals("org.hwbp.api") || name.startsWith("org.hwbp.api."));
                }
                if (bsn.equals(CORE)) {
                    assertFalse(bsn + " imports " + name, name.startsWith("org.apache.felix.service.command"));
                }
            }
        }
        String shell = String.valueOf(requireBundle(SHELL).getHeaders().get("Import-Package"));
        assertTrue(shell, shell.contains("org.hwbp.api.inspect;") && shell.contains("org.apache.felix.service.command;"));
        String exports = String.valueOf(requireBundle(CORE).getHeaders().get("Export-Package"));
        assertTrue(exports, exports.contains("org.hwbp.api.inspect;version=\"1.1.0\""));
    }

    @Test
    public void everyComponentIsSatisfied() {
        assertNotNull(scr);
        List<String> problems = new ArrayList<>();
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (!scr.isComponentEnabled(description)) {
                continue; // disabled by design (enabled="false"); nothing to check
            }
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                if (configuration.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE
                    || configuration.state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION
                    || configuration.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    problems.add(description.name + " (" + description.bundle.symbolicName + ") state="
                        + stateName(configuration.state)
                        + (configuration.failure != null ? " failure=" + configuration.failure : "")
                        + " unsatisfied=" + Arrays.toString(Arrays.stream(configuration.unsatisfiedReferences)
                            .map(r -> r.name + " " + r.target).toArray()));
                }
            }
        }
        assertEquals("DS components not satisfied", List.of(), problems);
    }

    private static String stateName(int state) {
        switch (state) {
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION: return "UNSATISFIED_CONFIGURATION";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE: return "UNSATISFIED_REFERENCE";
            case ComponentConfigurationDTO.SATISFIED: return "SATISFIED";
            case ComponentConfigurationDTO.ACTIVE: return "ACTIVE";
            case ComponentConfigurationDTO.FAILED_ACTIVATION: return "FAILED_ACTIVATION";
            default: return String.valueOf(state);
        }
    }
}
