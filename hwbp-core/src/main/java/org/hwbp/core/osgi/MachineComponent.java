package org.hwbp.core.osgi;

import java.io.File;
import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;
import org.hwbp.core.CoreSnapshot;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Owns the simulated machine and registers it, inside this bundle, as the {@link HwBreakpointCore} service the
 * other components use. Policy and callback timeout change live; a new CPU count is a new machine, so the
 * service is replaced and its users re-bind. Initial values also come from the system properties
 * {@code hwbp.cpus} and {@code hwbp.policy} (what {@code ./sandbox --cpus/--policy} sets) when there is no
 * configuration.
 *
 * <p>A stop of the bundle (stop, update, framework shutdown) is a pause: the state the core captured as the
 * bundle began to stop ({@link CorePause}) is written to the bundle's data area, and the next activation with the
 * same CPU count continues from it ({@link HwBreakpointCore#restore}); with another CPU count it is a reboot.
 */
@Component(immediate = true, configurationPid = MachineConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = MachineConfig.class)
public final class MachineComponent {
    /** The core's state across a stop of the bundle; in the data area, which survives update and stop/start. */
    static final String SNAPSHOT_FILE = "core.snapshot";

    private final BundleContext context;
    private volatile Logger logger;
    private HwBreakpointCore core;
    private ServiceRegistration<HwBreakpointCore> registration;

    @Activate
    public MachineComponent(BundleContext context, MachineConfig config, Map<String, Object> properties) {
        this.context = context;
        start(config, properties, true);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setLoggerFactory(LoggerFactory factory) {
        logger = factory.getLogger(MachineComponent.class);
    }

    void unsetLoggerFactory(LoggerFactory factory) {
        logger = null;
    }

    private synchronized void start(MachineConfig config, Map<String, Object> properties, boolean resume) {
        core = new HwBreakpointCore(cpus(config, properties), policy(config, properties), config.callbackTimeoutMs());
        Consumer<String> sink = message -> {
            Logger l = logger;
            if (l != null) {
                l.warn(message);
            } else {
                System.err.println("hwbp: " + message);
            }
        };
        core.events().setFaultSink(sink);
        core.setStoppingProbe(() -> CorePause.stopping(context));
        if (resume) {
            resume(sink);
        }
        registration = context.registerService(HwBreakpointCore.class, core, null);
    }

    /** Continues from the state kept at the last stop of the bundle, if any and if the machine is the same. */
    private void resume(Consumer<String> sink) {
        File file = context.getDataFile(SNAPSHOT_FILE);
        if (file == null || !file.isFile()) {
            return;
        }
        try {
            CoreSnapshot s = CoreSnapshot.read(file.toPath());
            if (s.cpus() == core.cpus()) {
                core.restore(s);
                core.events().add("resume after a stop of hwbp-core: " + s.tasks().size() + " tasks, "
                        + s.events().size() + " breakpoint events to come back");
            } else {
                core.events().add("reboot: " + core.cpus() + " CPUs instead of " + s.cpus());
            }
        } catch (IOException | RuntimeException e) {
            sink.accept("the state kept at the last stop of hwbp-core is lost (" + e.getMessage() + "); fresh machine");
        }
        file.delete();
    }

    /**
     * Whether a configuration sets the machine: the component properties always hold the OCD's defaults (bnd
     * writes them into the description), so only a configuration's service.pid tells an explicit value. The
     * system properties are the defaults of a runtime without one; {@code hwbp:policy} writes cpus and policy.
     */
    private static boolean given(Map<String, Object> properties, String key) {
        return properties != null && properties.containsKey(Constants.SERVICE_PID) && properties.containsKey(key);
    }

    private static int cpus(MachineConfig config, Map<String, Object> properties) {
        String sys = System.getProperty("hwbp.cpus");
        if (!given(properties, "cpus") && sys != null && !sys.isBlank()) {
            return Integer.parseInt(sys.trim());
        }
        return config.cpus();
    }

    private static Policy policy(MachineConfig config, Map<String, Object> properties) {
        String sys = System.getProperty("hwbp.policy");
        if (!given(properties, "policy") && sys != null && !sys.isBlank()) {
            return Policy.parse(sys);
        }
        return Policy.parse(config.policy());
    }

    @Modified
    synchronized void modified(MachineConfig config, Map<String, Object> properties) {
        if (cpus(config, properties) != core.cpus()) {
            stop();
            start(config, properties, false);
            return;
        }
        core.setPolicy(policy(config, properties));
        core.setCallbackTimeoutMillis(config.callbackTimeoutMs());
    }

    /**
     * The service goes away. If the bundle is stopping, the core's state (captured at the first change after
     * the stop began, or now) is written first, so that the next start continues from it.
     */
    @Deactivate
    synchronized void stop() {
        if (CorePause.stopping(context)) {
            try {
                core.suspend().write(context.getDataFile(SNAPSHOT_FILE).toPath());
            } catch (IOException | RuntimeException e) {
                core.events().fault("the state of hwbp-core could not be kept: " + e);
            }
        }
        registration.unregister();
        core.shutdown();
    }
}
