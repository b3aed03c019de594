package org.hwbp.shell;

import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.osgi.service.component.annotations.Component;

/**
 * {@code help} (the shell's scope comes first in the session's SCOPE, before Felix's and Gogo's own help): every
 * command with its description, the product's scopes first, or one command's description, usage and options.
 * {@link GogoHelpNames} makes it {@code felix:help} and {@code gogo:help} too.
 */
@Component(service = HelpCommand.class, property = {
    "osgi.command.scope=shell",
    "osgi.command.function=help"
})
public final class HelpCommand {

    @Descriptor("the commands (the product's scopes first), or a command's description, usage and options")
    public String help(CommandSession session,
            @Descriptor("[NAME]: a command, with its scope (kgdb:break) or without (every scope's)") String... names) {
        CommandHelp help = new CommandHelp(session);
        if (names == null || names.length == 0) {
            return help.overview();
        }
        StringBuilder sb = new StringBuilder();
        for (String name : names) {
            List<String> found = help.resolve(name);
            if (found.isEmpty()) {
                throw new HwbpException(Errno.ENOENT, "no command '" + name + "' (try 'help')");
            }
            if (sb.length() > 0) {
                sb.append("\n\n");
            }
            sb.append(help.describe(found));
        }
        return sb.toString();
    }
}
