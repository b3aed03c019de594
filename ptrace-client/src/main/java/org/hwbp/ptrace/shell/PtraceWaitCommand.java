package org.hwbp.ptrace.shell;

import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code ptrace:wait}. A command named {@code wait} cannot be an ordinary method: Gogo's reflective dispatch
 * also considers Object.wait(), wait(long) and wait(long, int) and prefers them for no argument or numeric
 * ones. Gogo calls a {@link Function} service directly, so this one hands every call to {@link #wait(String...)},
 * whose descriptor is what {@code help} shows.
 */
@Component(service = Function.class, property = {
    "osgi.command.scope=ptrace",
    "osgi.command.function=wait"
})
public final class PtraceWaitCommand implements Function {
    private final PtraceCommands commands;

    @Activate
    public PtraceWaitCommand(@Reference PtraceCommands commands) {
        this.commands = commands;
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        return wait(arguments.stream().map(String::valueOf).toArray(String[]::new));
    }

    @Descriptor("the tracee's last stop (waitpid): SIGTRAP with the DR6 the tracer would read, or running")
    public String wait(@Descriptor("TASK") String... args) {
        return commands.waitFor(args);
    }
}
