package org.hwbp.core.osgi;

import java.util.function.Consumer;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;
import org.osgi.framework.BundleContext;
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
 * {@code hwbp.cpus} and {@code hwbp.policy} (what {@code ./sandbox --cpus/--policy} sets) when no
 * configuration overrides them.
 */
@Component(immediate = true, configurationPid = MachineConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = MachineConfig.class)
public final class MachineComponent {
    private final BundleContext context;
    private volatile Logger logger;
    private HwBreakpointCore core;
    private ServiceRegistration<HwBreakpointCore> registration;

    @Activate
    public MachineComponent(BundleContext context, MachineConfig config) {
        this.context = context;
        start(config);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setLoggerFactory(LoggerFactory factory) {
        logger = factory.getLogger(MachineComponent.class);
    }

    void unsetLoggerFactory(LoggerFactory factory) {
        logger = null;
    }

    private synchronized void start(MachineConfig config) {
        core = new HwBreakpointCore(cpus(config), policy(config), config.callbackTimeoutMs());
        Consumer<String> sink = message -> {
            Logger l = logger;
            if (l != null) {
                l.warn(message);
            } else {
                System.err.println("hwbp: " + message);
            }
        };
        core.events().setFaultSink(sink);
        registration = context.registerService(HwBreakpointCore.class, core, null);
    }

    private static int cpus(MachineConfig config) {
        String sys = System.getProperty("hwbp.cpus");
        if (config.cpus() == MachineConfig.DEFAULT_CPUS && sys != null && !sys.isBlank()) {
            return Integer.parseInt(sys.trim());
        }
        return config.cpus();
    }

    private static Policy policy(MachineConfig config) {
        String sys = System.getProperty("hwbp.policy");
        if (MachineConfig.DEFAULT_POLICY.equals(config.policy()) && sys != null && !sys.isBlank()) {
            return Policy.parse(sys);
        }
        return Policy.parse(config.policy());
    }

    @Modified
    synchronized void modified(MachineConfig config) {
        if (cpus(config) != core.cpus()) {
            stop();
            start(config);
            return;
        }
        core.setPolicy(policy(config));
        core.setCallbackTimeoutMillis(config.callbackTimeoutMs());
    }

    @Deactivate
    synchronized void stop() {
        registration.unregister();
        core.shutdown();
    }
}
