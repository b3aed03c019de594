package org.hwbp.shell;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.support.Args;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * {@code hwbp:client NAME [stop|start|restart|update|reinstall]}: a bundle by symbolic name, so that scenarios
 * (and the demo) can stop, start, update and reinstall a client without knowing its bundle id or where its jar
 * is. Every action is synchronous: Felix stops and starts a bundle (and DS (de)activates its immediate
 * components) on the calling thread, and the refresh after an update is awaited, so the next scenario line sees
 * the bundle settled. Update and reinstall use a copy of the bundle's own jar, rebuilt from its entries.
 */
@Component(service = BundleCommands.class, immediate = true, property = {
    "osgi.command.scope=hwbp",
    "osgi.command.function=client"
})
public final class BundleCommands {
    private final BundleContext context;

    @Activate
    public BundleCommands(BundleContext context) {
        this.context = context;
    }

    /** Not {@code bundle}: an unqualified {@code bundle ID} must stay Gogo's own command. */
    @Descriptor("a bundle by id, symbolic name or name as lb shows it (as hwbp:swap takes it): prints id, name, version, state; or stops, starts, restarts "
            + "(stop + start), updates (from a copy of its own jar, then refresh, awaited) or reinstalls it "
            + "(uninstall, which deletes its data area, then install and start the copy)")
    public String client(@Descriptor("NAME [stop|start|restart|update|reinstall]") String... args) {
        Args a = new Args("hwbp:client", args, "NAME", "[ACTION]");
        Bundle b = BundleNames.find(context, "hwbp:client", a.string(0));
        if (!a.has(1)) {
            return describe(b);
        }
        String action = a.string(1).toLowerCase(Locale.ROOT);
        if (!List.of("stop", "start", "restart", "update", "reinstall").contains(action)) {
            throw new HwbpException(Errno.EINVAL, "hwbp:client: bad ACTION '" + a.string(1)
                    + "' (stop, start, restart, update or reinstall)");
        }
        if (b.getBundleId() == context.getBundle().getBundleId()) {
            // Stopping the bundle that runs this command would pull the command from under its own call.
            throw new HwbpException(Errno.EPERM, "hwbp:client: refusing to " + action + " "
                    + b.getSymbolicName() + ", which runs this command; use Gogo's stop/start/update");
        }
        try {
            switch (action) {
                case "stop":
                    b.stop();
                    break;
                case "start":
                    b.start();
                    break;
                case "restart":
                    b.stop();
                    b.start();
                    break;
                case "update":
                    update(b);
                    break;
                default:
                    b = reinstall(b);
                    break;
            }
        } catch (BundleException e) {
            throw new HwbpException(Errno.EIO, "hwbp:client: " + action + " of " + b.getSymbolicName()
                    + " failed: " + e.getMessage());
        }
        return describe(b);
    }

    private static String describe(Bundle b) {
        return String.format("bundle %d %s %s %s", b.getBundleId(), b.getSymbolicName(), b.getVersion(),
                state(b.getState()));
    }

    private static String state(int s) {
        switch (s) {
            case Bundle.ACTIVE: return "ACTIVE";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            default: return "UNINSTALLED";
        }
    }

    /** Bundle.update() with the bundle's own content, then a refresh of it, awaited. */
    private void update(Bundle b) {
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
        LiveUpdate.update(wiring, b, new ByteArrayInputStream(BundleJars.copyOf(b, "hwbp:client")), "hwbp:client");
    }

    /** Uninstall (the framework deletes the bundle's data area) and a fresh install of the same jar, started. */
    private Bundle reinstall(Bundle b) throws BundleException {
        byte[] jar = BundleJars.copyOf(b, "hwbp:client");
        String location = b.getLocation();
        b.uninstall();
        Bundle fresh = context.installBundle(location, new ByteArrayInputStream(jar));
        fresh.start();
        return fresh;
    }
}
