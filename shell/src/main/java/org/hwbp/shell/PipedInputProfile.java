package org.hwbp.shell;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * {@code java -jar hwbp-sandbox.jar} with piped stdin, from any directory, as {@code ./sandbox} does it: without
 * a terminal, the Gogo shell needs a dumb JLine terminal (asked for up front, so that JLine prints no warning)
 * and a profile without the line-reader settings a zero-width terminal spins on (see {@code gosh_profile}).
 * {@code ./sandbox} passes both as system properties; without them and without a console, this component, which
 * starts one start level before the Gogo shell bundle reads them, sets them, the profile written to this
 * bundle's data area.
 */
@Component(immediate = true, service = {})
public final class PipedInputProfile {
    static final String GOSH_HOME = "gosh.home";
    static final String DUMB_TERMINAL = "org.jline.terminal.dumb";

    @Activate
    public PipedInputProfile(BundleContext context) {
        if (System.console() != null || System.getProperty(GOSH_HOME) != null) {
            return;
        }
        System.getProperties().putIfAbsent(DUMB_TERMINAL, "true");
        File home = context.getDataFile("gosh-noterminal");
        if (home == null) {
            return;
        }
        Path profile = home.toPath().resolve("etc").resolve("gosh_profile");
        try (InputStream in = PipedInputProfile.class.getResourceAsStream("gosh_profile")) {
            if (in == null) {
                return;
            }
            Files.createDirectories(profile.getParent());
            Files.copy(in, profile, StandardCopyOption.REPLACE_EXISTING);
            System.setProperty(GOSH_HOME, home.getPath());
        } catch (IOException e) {
            System.err.println("hwbp: cannot write the shell profile for piped input (" + e.getMessage()
                    + "); pass -D" + GOSH_HOME + "=runtime/gosh-noterminal");
        }
    }
}
