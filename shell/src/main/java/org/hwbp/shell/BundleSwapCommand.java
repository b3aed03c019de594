package org.hwbp.shell;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.support.Args;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * {@code hwbp:swap CLIENT JAR}: a live swap of one bundle, i.e. Bundle.update from the jar, then
 * FrameworkWiring.refreshBundles of just that bundle (and what the framework must refresh with it), waiting for
 * the refresh to finish. The client keeps its state across the swap (its data area) and re-registers.
 *
 * <p>hwbp-core itself may be swapped: that is a pause of the core (its state is kept across the update), and its
 * refresh restarts the clients and this shell bundle, which import its API; they keep their state and come back.
 * So the command waits through a listener given to refreshBundles, which the framework calls even though the
 * bundle that asked was restarted meanwhile.
 */
@Component(service = BundleSwapCommand.class, immediate = true, property = {
    "osgi.command.scope=hwbp",
    "osgi.command.function=swap"
})
public final class BundleSwapCommand {
    private final BundleContext context;

    @Activate
    public BundleSwapCommand(BundleContext context) {
        this.context = context;
    }

    @Descriptor("update one bundle from a jar and refresh it, waiting for the refresh; prints its old and new version")
    public String swap(@Descriptor("CLIENT JAR: bundle id, symbolic name or name as lb shows it, and the jar (a path or a file: URL)")
            String... args) {
        Args a = new Args("hwbp:swap", args, "CLIENT", "JAR");
        Bundle bundle = BundleNames.find(context, "hwbp:swap", a.string(0));
        Path jar = jar(a.string(1));
        String name = bundle.getSymbolicName();
        checkJar(jar, name);
        String before = bundle.getVersion().toString();
        // Taken before the update: when the bundle swapped is this one, its context ends with the stop.
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
        try (InputStream in = Files.newInputStream(jar)) {
            LiveUpdate.update(wiring, bundle, in, "hwbp:swap");
        } catch (IOException e) {
            throw new HwbpException(Errno.EIO, "hwbp:swap: cannot read " + jar + ": " + e.getMessage());
        }
        return name + " " + before + " -> " + bundle.getVersion();
    }

    private static Path jar(String s) {
        if (s.startsWith("file:")) {
            try {
                return Path.of(new URI(s));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new HwbpException(Errno.EINVAL, "hwbp:swap: bad JAR URL '" + s + "'");
            }
        }
        if (s.contains(":") && s.indexOf(':') > 1) {
            throw new HwbpException(Errno.EINVAL, "hwbp:swap: JAR must be a path or a file: URL, not '" + s + "'");
        }
        return Path.of(s).toAbsolutePath();
    }

    /** The jar must be readable and a bundle of the same symbolic name (an update never renames a bundle here). */
    private static void checkJar(Path jar, String name) {
        Manifest mf;
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            mf = in.getManifest();
        } catch (NoSuchFileException e) {
            throw new HwbpException(Errno.ENOENT, "hwbp:swap: no such file " + jar);
        } catch (AccessDeniedException e) {
            throw new HwbpException(Errno.EIO, "hwbp:swap: cannot read " + jar);
        } catch (IOException e) {
            throw new HwbpException(Errno.EIO, "hwbp:swap: cannot read " + jar + ": " + e.getMessage());
        }
        String bsn = mf == null ? null : mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (bsn == null) {
            throw new HwbpException(Errno.EIO, "hwbp:swap: " + jar + " is not a bundle (no Bundle-SymbolicName)");
        }
        String jarName = bsn.split(";")[0].trim();
        if (!jarName.equals(name)) {
            throw new HwbpException(Errno.EINVAL, "hwbp:swap: " + jar + " is " + jarName + ", not " + name);
        }
    }
}
