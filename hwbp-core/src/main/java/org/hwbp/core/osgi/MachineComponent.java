package org.hwbp.core.osgi;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.hwbp.api.inspect.ResetListener;
import org.hwbp.core.CoreSnapshot;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;
import org.hwbp.core.x86.KernelAddressMap;
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
 *
 * <p>A reset ({@link MachineReset}) is a reboot with the command line's configuration in which the
 * {@link ResetListener}s forget what they kept for the next machine. A CPU count outside 1..{@value
 * KernelAddressMap#NR_CPUS}, from Config Admin or the command line, is refused with one line on the standard
 * error and in the log, and the machine keeps its count (the default at activation): a bad value never leaves
 * a runtime without a core and its commands.
 */
@Component(immediate = true, service = MachineReset.class, configurationPid = MachineConfig.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = MachineConfig.class)
public final class MachineComponent implements MachineReset {
    /** The core's state across a stop of the bundle; in the data area, which survives update and stop/start. */
    static final String SNAPSHOT_FILE = "core.snapshot";

    private final BundleContext context;
    private volatile Logger logger;
    private HwBreakpointCore core;
    private ServiceRegistration<HwBreakpointCore> registration;
    private final List<ResetListener> resetListeners = new CopyOnWriteArrayList<>();
    /** Whether the component's properties come from a configuration (Config Admin has one for the PID). */
    private volatile boolean configured;
    /** How long a reset waits for Config Admin to deliver the deletion of the configuration. */
    private static final long UNCONFIGURE_TIMEOUT_MS = 10_000;

    @Activate
    public MachineComponent(BundleContext context, MachineConfig config, Map<String, Object> properties) {
        this.context = context;
        this.configured = given(properties, "cpus") || given(properties, "policy");
        start(config, properties, true);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setLoggerFactory(LoggerFactory factory) {
        logger = factory.getLogger(MachineComponent.class);
    }

    void unsetLoggerFactory(LoggerFactory factory) {
        logger = null;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addResetListener(ResetListener listener) {
        resetListeners.add(listener);
    }

    void removeResetListener(ResetListener listener) {
        resetListeners.remove(listener);
    }

    private void start(MachineConfig config, Map<String, Object> properties, boolean resume) {
        start(cpus(config, properties), policy(config, properties), callbackTimeout(config, properties), resume);
    }

    private synchronized void start(int cpus, Policy policy, long callbackTimeoutMs, boolean resume) {
        core = new HwBreakpointCore(cpus, policy, callbackTimeoutMs);
        Consumer<String> sink = this::warn;
        core.events().setFaultSink(sink);
        core.setStoppingProbe(() -> CorePause.stopping(context));
        if (resume) {
            resume(sink);
        }
        registration = context.registerService(HwBreakpointCore.class, core, null);
    }

    private void warn(String message) {
        Logger l = logger;
        if (l != null) {
            l.warn(message);
        } else {
            System.err.println("hwbp: " + message);
        }
    }

    /**
     * The machine as the runtime booted it, with the command line's CPU count and policy: the old machine's
     * services go (every client releases them and keeps its own state for the next one), the reset listeners
     * forget that state, and a new machine is registered, to which the clients bind as at boot. The caller
     * has deleted the machine's configuration, and the reset waits until Config Admin has delivered that
     * ({@link #modified} without a configuration). The listeners do not call the core (their contract), so holding this
     * component's monitor, as {@link #modified} does for a new CPU count, calls no client under a core lock.
     */
    @Override
    public void reset() {
        // SCR hands the deletion of the configuration to modified() on Config Admin's thread; rebooting before
        // that would race that thread for SCR's component locks (and the late modified() would run mid-file).
        long deadline = System.currentTimeMillis() + UNCONFIGURE_TIMEOUT_MS;
        while (configured && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (this) {
            stop();
            for (ResetListener l : resetListeners) {
                try {
                    l.reset();
                } catch (RuntimeException e) {
                    warn("a reset listener failed, its bundle may keep state from before the reset: " + e);
                }
            }
            start(cpus(null, null), policy(null, null), callbackTimeout(null, null), false);
        }
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

    /**
     * The CPU count: the configuration's, else the command line's ({@code hwbp.cpus}), else the default (also
     * when {@code config} is null: a reset). Out of range: refused in one line, and the machine keeps its count.
     */
    private int cpus(MachineConfig config, Map<String, Object> properties) {
        String sys = System.getProperty("hwbp.cpus");
        String source;
        long wanted;
        if (config != null && given(properties, "cpus")) {
            source = "configuration " + MachineConfig.PID;
            wanted = config.cpus();
        } else if (sys != null && !sys.isBlank()) {
            source = "hwbp.cpus";
            try {
                wanted = Long.parseLong(sys.trim());
            } catch (NumberFormatException e) {
                wanted = -1;
            }
        } else {
            return MachineConfig.DEFAULT_CPUS;
        }
        if (wanted >= 1 && wanted <= KernelAddressMap.NR_CPUS) {
            return (int) wanted;
        }
        int kept = core != null ? core.cpus() : MachineConfig.DEFAULT_CPUS;
        String line = "EINVAL: " + source + ": cpus must be 1.." + KernelAddressMap.NR_CPUS + ", not '"
                + (config != null && given(properties, "cpus") ? String.valueOf(wanted) : sys.trim())
                + "'; the machine keeps " + kept + " CPUs";
        System.err.println("hwbp: " + line);
        Logger l = logger;
        if (l != null) {
            l.error(line);
        }
        return kept;
    }

    private static Policy policy(MachineConfig config, Map<String, Object> properties) {
        String sys = System.getProperty("hwbp.policy");
        if ((config == null || !given(properties, "policy")) && sys != null && !sys.isBlank()) {
            return Policy.parse(sys);
        }
        return config == null ? Policy.parse(MachineConfig.DEFAULT_POLICY) : Policy.parse(config.policy());
    }

    /**
     * How long a client's callback may block before its lane is skipped: the configuration's, else the command
     * line's ({@code hwbp.callback.timeout.ms}: the integration tests raise it, since a fresh JVM's first callback
     * on a loaded machine is slow, not blocked), else the default. A value that is not a positive number is
     * refused in one line and the default applies.
     */
    private long callbackTimeout(MachineConfig config, Map<String, Object> properties) {
        if (config != null && given(properties, "callbackTimeoutMs")) {
            return config.callbackTimeoutMs();
        }
        String sys = System.getProperty("hwbp.callback.timeout.ms");
        if (sys == null || sys.isBlank()) {
            return MachineConfig.DEFAULT_CALLBACK_TIMEOUT_MS;
        }
        try {
            long ms = Long.parseLong(sys.trim());
            if (ms > 0) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        warn("EINVAL: hwbp.callback.timeout.ms must be a positive number of milliseconds, not '" + sys.trim()
                + "'; " + MachineConfig.DEFAULT_CALLBACK_TIMEOUT_MS + " ms");
        return MachineConfig.DEFAULT_CALLBACK_TIMEOUT_MS;
    }

    @Modified
    synchronized void modified(MachineConfig config, Map<String, Object> properties) {
        configured = given(properties, "cpus") || given(properties, "policy");
        int cpus = cpus(config, properties);
        if (cpus != core.cpus()) {
            stop();
            start(cpus, policy(config, properties), callbackTimeout(config, properties), false);
            return;
        }
        core.setPolicy(policy(config, properties));
        core.setCallbackTimeoutMillis(callbackTimeout(config, properties));
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
