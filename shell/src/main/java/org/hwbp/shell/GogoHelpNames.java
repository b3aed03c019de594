package org.hwbp.shell;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The shell's {@link HelpCommand} as {@code felix:help} and {@code gogo:help} as well. Gogo's own help commands
 * (gogo.command's and gogo.jline's) read a command's Java methods under their Java names: they showed
 * {@code _break} for {@code kgdb:break} (a Java keyword cannot name a method), Object's {@code wait} overloads
 * under {@code ptrace:wait}, and left out the commands whose method is named otherwise. For a scoped name Gogo runs
 * the command of the highest {@code service.ranking}, so the shell's help is registered under those two names,
 * ranked above Gogo's.
 */
@Component(immediate = true, service = {})
public final class GogoHelpNames {
    /** The scopes of Gogo's own help commands. */
    private static final List<String> SCOPES = List.of("felix", "gogo");

    private final List<ServiceRegistration<HelpCommand>> registrations = new ArrayList<>();

    @Activate
    public GogoHelpNames(BundleContext context, @Reference HelpCommand help) {
        for (String scope : SCOPES) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("osgi.command.scope", scope);
            props.put("osgi.command.function", "help");
            props.put(Constants.SERVICE_RANKING, 1);
            registrations.add(context.registerService(HelpCommand.class, help, props));
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<HelpCommand> r : registrations) {
            r.unregister();
        }
    }
}
