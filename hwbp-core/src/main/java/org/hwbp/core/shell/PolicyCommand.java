package org.hwbp.core.shell;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.support.Args;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;
import org.hwbp.core.osgi.MachineConfig;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code hwbp:policy}: shows the preemption policy, or switches it at runtime the way an administrator would,
 * through Config Admin (the machine's configuration {@value MachineConfig#PID}, CPU count kept so that it is no
 * reboot), then waits until the core applied it. Config Admin keeps the choice across a restart of hwbp-core.
 */
@Component(service = PolicyCommand.class, immediate = true, property = {
    "osgi.command.scope=hwbp",
    "osgi.command.function=policy"
})
public final class PolicyCommand {
    /** Config Admin delivers the update on its own thread; the core applies it within this bound or EBUSY. */
    private static final long APPLY_TIMEOUT_MS = 5_000;

    private final HwBreakpointCore core;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    public PolicyCommand(@Reference HwBreakpointCore core) {
        this.core = core;
    }

    @Descriptor("the preemption policy (linux, or debugger-priority: kgdb preempts the newest other reservation), or set it through Config Admin")
    public String policy(@Descriptor("[POLICY]: linux or debugger-priority") String... args) {
        Args a = new Args("hwbp:policy", args, "[POLICY]");
        if (!a.has(0)) {
            return "policy " + core.policy();
        }
        Policy wanted = Policy.parse(a.string(0));
        ConfigurationAdmin cm = configAdmin;
        if (cm == null) {
            throw new HwbpException(Errno.EOPNOTSUPP, "hwbp:policy: Config Admin is not running");
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
            throw new HwbpException(Errno.EIO, "hwbp:policy: Config Admin could not store the configuration: " + e.getMessage());
        }
        long deadline = System.currentTimeMillis() + APPLY_TIMEOUT_MS;
        while (core.policy() != wanted) {
            if (System.currentTimeMillis() > deadline) {
                throw new HwbpException(Errno.EBUSY, "hwbp:policy: the core has not applied " + wanted + " yet");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HwbpException(Errno.EBUSY, "hwbp:policy: interrupted while waiting for the core");
            }
        }
        return "policy " + wanted;
    }
}
