package org.hwbp.core.osgi;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.inspect.HwbpAdmin;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@link HwbpAdmin} service. The policy goes through Config Admin (the machine's configuration
 * {@value MachineConfig#PID}), as an administrator's change would, so that it outlives a restart of hwbp-core;
 * {@link MachineComponent} applies it.
 */
@Component(service = HwbpAdmin.class, reference = @Reference(name = HwbpAdminComponent.MACHINE,
        service = MachineReset.class, cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC))
public final class HwbpAdminComponent implements HwbpAdmin {
    /**
     * Config Admin delivers the update on its own thread; the core applies it within this bound or EBUSY. 5 s was
     * exceeded by a fresh runtime at load 30 on 2 vCPUs (OneRuntimeIdentityIT); the wait ends as soon as it applies.
     */
    private static final long APPLY_TIMEOUT_MS = 30_000;

    private final HwBreakpointCore core;

    private volatile ConfigurationAdmin configAdmin;

    /**
     * The machine component, which registers the core inside its own activation, so that this component may be
     * activated while that one is still being built: it is looked up when a reset needs it (DS's lookup
     * strategy). A bound reference, even a dynamic one, had SCR ask for it at that moment, get null, and report
     * a FrameworkEvent ERROR ("Service factory returned null"). Absent, a reset is EBUSY.
     */
    static final String MACHINE = "machine";

    /** Null outside a framework (unit tests), where there is no machine component to reset. */
    private final ComponentContext component;

    @Activate
    public HwbpAdminComponent(ComponentContext component, @Reference HwBreakpointCore core) {
        this.component = component;
        this.core = core;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setConfigAdmin(ConfigurationAdmin cm) {
        configAdmin = cm;
    }

    void unsetConfigAdmin(ConfigurationAdmin cm) {
        if (configAdmin == cm) {
            configAdmin = null;
        }
    }

    /**
     * Writes the policy into the machine's configuration and waits until the core applied it. A policy the core
     * already has writes nothing: the configuration (or, without one, the command line) already gives it, and a
     * write whose change is nothing would not be waited for, leaving its Config Admin event in flight when the
     * next write comes. Two updates in flight can lose the second: Felix SCR reads a configuration's properties
     * and then its change count in two calls (RegionConfigurationSupport.getConfigurationInfo), so it can pair
     * the first update's properties with the second's count and then ignore the second event as seen (about 1
     * fresh runtime in 200 answered EBUSY for {@code hwbp:policy linux; hwbp:policy debugger-priority}).
     */
    @Override
    public String setPolicy(String policy) {
        Policy wanted = Policy.parse(policy);
        if (core.policy() == wanted) {
            return wanted.label();
        }
        ConfigurationAdmin cm = configAdmin;
        if (cm == null) {
            throw new HwbpException(Errno.EOPNOTSUPP, "Config Admin is not running");
        }
        try {
            Configuration c = cm.getConfiguration(MachineConfig.PID, "?");
            Dictionary<String, Object> props = c.getProperties();
            if (props == null) {
                props = new Hashtable<>();
            }
            props.put("cpus", core.cpus());
            props.put("policy", wanted.label());
            c.update(props);
        } catch (IOException e) {
            throw new HwbpException(Errno.EIO, "Config Admin could not store the configuration: " + e.getMessage());
        }
        long deadline = System.currentTimeMillis() + APPLY_TIMEOUT_MS;
        while (core.policy() != wanted) {
            if (System.currentTimeMillis() > deadline) {
                throw new HwbpException(Errno.EBUSY, "the core has not applied " + wanted + " yet");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HwbpException(Errno.EBUSY, "interrupted while waiting for the core");
            }
        }
        return wanted.label();
    }

    @Override
    public void resetCounters() {
        core.resetCounters();
    }

    /**
     * Deletes the machine's configuration (hwbp:policy's), then has the machine component replace the machine.
     * This component follows the machine, so it is deactivated on the way; the call still completes.
     */
    @Override
    public void reset() {
        ConfigurationAdmin cm = configAdmin;
        if (cm != null) {
            try {
                Configuration[] configs = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + MachineConfig.PID + ")");
                if (configs != null) {
                    for (Configuration c : configs) {
                        c.delete();
                    }
                }
            } catch (IOException | InvalidSyntaxException e) {
                throw new HwbpException(Errno.EIO, "Config Admin could not delete the machine's configuration: "
                        + e.getMessage());
            }
        }
        MachineReset m = component == null ? null : (MachineReset) component.locateService(MACHINE);
        if (m == null) {
            throw new HwbpException(Errno.EBUSY, "core unavailable");
        }
        m.reset();
    }

    @Override
    public AutoCloseable holdRegistrationInFlight(int cpu, int task) {
        return core.holdConstraintLock(cpu, task);
    }
}
