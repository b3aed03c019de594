package org.hwbp.kvm.shell;

import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code kvm:guest-dr VM VCPU N [VALUE]}: Gogo calls a Function directly, whatever its name (a method name
 * cannot contain '-'); {@link #guestdr} is the documented method {@code help kvm:guest-dr} shows.
 */
@Component(service = Function.class, property = {
    "osgi.command.scope=kvm",
    "osgi.command.function=guest-dr"
})
public final class GuestDrFunction implements Function {
    private final KvmCommands commands;

    @Activate
    public GuestDrFunction(@Reference KvmCommands commands) {
        this.commands = commands;
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        return guestdr(GuestDebugFunction.strings(arguments));
    }

    @Descriptor("the guest executes MOV to DRn (with VALUE) or MOV from DRn (without); prints what the guest saw")
    public String guestdr(@Descriptor("VM VCPU N [VALUE]: VM and vCPU ids, debug register 0-7, value to write")
            String... args) {
        return commands.guestdr(args);
    }
}
