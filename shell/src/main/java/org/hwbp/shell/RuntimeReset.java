package org.hwbp.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.inspect.HwbpAdmin;
import org.hwbp.api.support.Args;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code hwbp:reset}, and the reset between the files of {@code ./sandbox run FILE...}: the runtime as it booted,
 * without restarting the JVM or the framework. A bundle a scenario stopped is started again; then
 * {@link HwbpAdmin#reset()} replaces the machine and every client forgets its state (the core's
 * {@code ResetListener} whiteboard), and the shell's own commands, which follow the machine, are new instances.
 *
 * <p>What a reset cannot give back are bundle ids: the framework numbers a reinstalled bundle (or one installed
 * later) with the next id, never with the old one, and an updated bundle is a new revision whose content may
 * differ. So the bundles as they were when this component first activated in the JVM are recorded (id, location,
 * last modification; in a system property, so that an update of the shell does not re-record them), and recorded
 * again by the console or the script runner at the end of the boot ({@link BootWait}): File Install starts after
 * this bundle, and a jar in {@code bundles/} that replaced a built-in client at boot is part of the boot state. A
 * reset reports whether they are still those: if not, {@code hwbp:reset} says so, and the scenario runner starts the
 * next file in a fresh JVM instead.
 */
@Component(service = RuntimeReset.class, immediate = true, property = {
    "osgi.command.scope=hwbp",
    "osgi.command.function=reset"
})
public final class RuntimeReset {
    /** The bundles at boot: {@code id location lastModified} lines. */
    static final String BOOT_BUNDLES = "hwbp.boot.bundles";

    private final BundleContext context;

    /** Dynamic: the admin service is replaced by every reset, and this component must outlive that. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile HwbpAdmin admin;

    @Activate
    public RuntimeReset(BundleContext context) {
        this.context = context;
        System.getProperties().putIfAbsent(BOOT_BUNDLES, String.join("\n", bundles().values()));
    }

    /**
     * Records the bundles as they are now as the boot state: the console and the script runner call it once, when
     * the boot is over for them ({@link BootWait}).
     */
    void recordBoot() {
        System.setProperty(BOOT_BUNDLES, String.join("\n", bundles().values()));
    }

    @Descriptor("reset the runtime to its boot state: machine (CPUs and policy of the command line), tasks, "
            + "breakpoints and their ids, event log, counters, every client's state; stopped bundles are started")
    public String reset(@Descriptor("(no arguments)") String... args) {
        new Args("hwbp:reset", args);
        List<String> changed = reset();
        return changed.isEmpty() ? "ok"
                : "ok\nnote: bundles changed since boot, their ids differ from a fresh runtime's: "
                        + String.join(", ", changed);
    }

    /** Resets the runtime; returns the bundles that are not what they were at boot (empty: a fresh runtime). */
    List<String> reset() {
        List<String> changed = changedBundles();
        for (Bundle b : context.getBundles()) {
            if (b.getState() != Bundle.ACTIVE && b.getState() != Bundle.UNINSTALLED
                    && b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                try {
                    b.start();
                } catch (BundleException | IllegalStateException e) {
                    throw new HwbpException(Errno.EIO, "hwbp:reset: cannot start " + b.getSymbolicName() + ": "
                            + e.getMessage());
                }
            }
        }
        HwbpAdmin a = admin;
        if (a == null) {
            throw new HwbpException(Errno.EBUSY, "core unavailable");
        }
        a.reset();
        return changed;
    }

    private List<String> changedBundles() {
        Map<Long, String> now = bundles();
        List<String> changed = new ArrayList<>();
        List<String> boot = List.of(System.getProperty(BOOT_BUNDLES, "").split("\n"));
        for (String line : boot) {
            long id = Long.parseLong(line.substring(0, line.indexOf(' ')));
            if (!line.equals(now.remove(id))) {
                changed.add(describe(id, line));
            }
        }
        for (Map.Entry<Long, String> e : now.entrySet()) {
            changed.add(describe(e.getKey(), e.getValue()));
        }
        return changed;
    }

    private String describe(long id, String line) {
        Bundle b = context.getBundle(id);
        return b == null ? "bundle " + id + " (uninstalled)" : "bundle " + id + " " + b.getSymbolicName();
    }

    private Map<Long, String> bundles() {
        Map<Long, String> m = new TreeMap<>();
        for (Bundle b : context.getBundles()) {
            m.put(b.getBundleId(), b.getBundleId() + " " + b.getLocation() + " " + b.getLastModified());
        }
        return m;
    }
}
