package org.hwbp.shell;

import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.inspect.HwbpAdmin;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.api.support.Args;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code hwbp:policy}: shows the preemption policy, or switches it at runtime the way an administrator would
 * ({@link HwbpAdmin#setPolicy}: through Config Admin, which keeps the choice across a restart of hwbp-core).
 */
@Component(service = PolicyCommand.class, immediate = true, property = {
    "osgi.command.scope=hwbp",
    "osgi.command.function=policy"
})
public final class PolicyCommand {
    private final HwbpRuntime runtime;
    private final HwbpAdmin admin;

    @Activate
    public PolicyCommand(@Reference HwbpRuntime runtime, @Reference HwbpAdmin admin) {
        this.runtime = runtime;
        this.admin = admin;
    }

    @Descriptor("the preemption policy (linux, or debugger-priority: kgdb preempts the newest other reservation), or set it through Config Admin")
    public String policy(@Descriptor("[POLICY]: linux or debugger-priority") String... args) {
        Args a = new Args("hwbp:policy", args, "[POLICY]");
        if (!a.has(0)) {
            return "policy " + runtime.getMachine().policy;
        }
        try {
            return "policy " + admin.setPolicy(a.string(0));
        } catch (HwbpException e) {
            if (e.errno() == Errno.EINVAL) {
                throw e;
            }
            // Config Admin missing or slow: say which command could not be done.
            throw new HwbpException(e.errno(), "hwbp:policy: " + e.getMessage().substring(e.errno().name().length() + 2));
        }
    }
}
