package org.hwbp.kvm.shell;

import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Function;
import org.apache.felix.service.command.Parameter;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code kvm:guest-debug VM VCPU [--hw A0,A1,A2,A3,DR7] [--step] [--off]}: Gogo calls a Function directly,
 * so the options are picked out here as Gogo would for {@link #guestdebug}, the documented method that
 * {@code help kvm:guest-debug} shows.
 */
@Component(service = Function.class, property = {
    "osgi.command.scope=kvm",
    "osgi.command.function=guest-debug"
})
public final class GuestDebugFunction implements Function {
    private final KvmCommands commands;

    @Activate
    public GuestDebugFunction(@Reference KvmCommands commands) {
        this.commands = commands;
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        String hw = "";
        boolean step = false;
        boolean off = false;
        List<String> positional = new ArrayList<>();
        String[] args = strings(arguments);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--hw":
                    if (i + 1 >= args.length) {
                        throw new HwbpException(Errno.EINVAL, "kvm:guest-debug: missing value of --hw");
                    }
                    hw = args[++i];
                    break;
                case "--step":
                    step = true;
                    break;
                case "--off":
                    off = true;
                    break;
                default:
                    positional.add(args[i]);
            }
        }
        return guestdebug(hw, step, off, positional.toArray(new String[0]));
    }

    @Descriptor("KVM_SET_GUEST_DEBUG: host-side debugging of a vCPU with hardware breakpoints and/or single-step")
    public String guestdebug(
            @Descriptor("A0,A1,A2,A3,DR7: USE_HW_BP with the debugger's DR0-DR3 and DR7 (five numbers)")
            @Parameter(names = "--hw", absentValue = "") String hw,
            @Descriptor("SINGLESTEP") @Parameter(names = "--step", absentValue = "false", presentValue = "true")
            boolean step,
            @Descriptor("guest debugging off (control 0)")
            @Parameter(names = "--off", absentValue = "false", presentValue = "true") boolean off,
            @Descriptor("VM VCPU: VM and vCPU ids") String... args) {
        return commands.guestdebug(hw, step, off, args);
    }

    /** Gogo's arguments as the strings the user typed. */
    static String[] strings(List<Object> arguments) {
        String[] s = new String[arguments.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = String.valueOf(arguments.get(i));
        }
        return s;
    }
}
