package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;

/**
 * {@code help} for every command registered in the running framework: each {@code osgi.command.function} of
 * every command service is found (none is missed because a list here forgot it), and its help names it as
 * registered, with a description, a usage line and the format of each option; never a Java method name
 * ({@code _break}) or Object's {@code wait}.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellHelpIT extends SandboxTestSupport {
    private static final List<String> PRODUCT_SCOPES = List.of("hwbp", "sim", "ptrace", "kgdb", "kvm");

    @Before
    public void clientsBound() {
        awaitClients();
    }

    /** scope:function of every registered command service of {@code org.hwbp.*} bundles (or of every bundle). */
    private List<String> registered(boolean projectOnly) throws Exception {
        List<String> names = new ArrayList<>();
        ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(osgi.command.scope=*)");
        for (ServiceReference<?> r : refs) {
            String bundle = r.getBundle().getSymbolicName();
            if (projectOnly && !bundle.startsWith("org.hwbp.")) {
                continue;
            }
            Object functions = r.getProperty("osgi.command.function");
            String[] fs = functions instanceof String[] ? (String[]) functions : new String[] {String.valueOf(functions)};
            for (String f : fs) {
                names.add(r.getProperty("osgi.command.scope") + ":" + f);
            }
        }
        return names;
    }

    @Test
    public void everyProjectCommandHasDescriptionUsageAndOptions() throws Exception {
        List<String> names = registered(true);
        assertTrue("the product's commands are registered: " + names,
                names.containsAll(List.of("hwbp:register", "sim:exit", "ptrace:wait", "kgdb:break", "kgdb:continue",
                        "kvm:guest-dr", "kvm:guest-debug", "sim:switch")));
        for (String name : names) {
            String help = exec("shell:help " + name);
            String function = name.substring(name.indexOf(':') + 1);
            assertTrue(name + " help starts with its name and a description:\n" + help,
                    help.matches("(?s)\\Q" + name + "\\E - \\S.*"));
            assertTrue(name + " help has its usage:\n" + help, help.contains("\nusage: " + name));
            assertFalse(name + " help names a Java method:\n" + help,
                    help.matches("(?s).*(?<![A-Za-z0-9])_" + Pattern.quote(function) + "(?![A-Za-z0-9]).*"));
            assertFalse(name + " help lists Object's methods:\n" + help, help.contains("Object")
                    || help.contains("wait(long"));
            for (String line : help.split("\n")) {
                if (line.startsWith("usage: ")) {
                    for (String word : line.split(" ")) {
                        String option = word.replace("[", "").replace("]", "");
                        if (option.startsWith("--")) {
                            assertTrue(name + ": option " + option + " is described:\n" + help,
                                    help.contains("\n  " + option));
                        }
                    }
                }
            }
        }
        assertTrue(exec("shell:help kvm:guest-debug").contains("--hw A0,A1,A2,A3,DR7"));
    }

    @Test
    public void everyRegisteredCommandHasHelpAndTheOverviewListsTheProductFirst() throws Exception {
        for (String name : registered(false)) {
            // Gogo keeps command names in lower case (cm:getConfiguration is cm:getconfiguration)
            assertTrue(name, exec("shell:help " + name).toLowerCase(Locale.ROOT)
                    .contains("usage: " + name.toLowerCase(Locale.ROOT)));
        }
        String overview = exec("shell:help");
        String[] lines = overview.split("\n");
        assertTrue(overview, lines[0].startsWith("hwbp:"));
        int last = -1;
        for (String scope : List.of("hwbp:", "sim:", "ptrace:", "kgdb:", "kvm:")) {
            int at = overview.indexOf("\n" + scope);
            assertTrue(scope + " listed in order:\n" + overview, at > last || (scope.equals("hwbp:") && at < 0));
            last = Math.max(at, last);
        }
        for (String name : registered(true)) {
            String scope = name.substring(0, name.indexOf(':'));
            if (PRODUCT_SCOPES.contains(scope)) {
                assertTrue(name + " in the overview:\n" + overview, overview.contains(name + " "));
            } else {
                // shell:help, and the shell's help as felix:help: listed with the other scopes, by function name
                assertTrue(name + " in the overview:\n" + overview, Pattern.compile(
                    "(?m)^" + scope + ":( \\S+)* " + name.substring(scope.length() + 1) + "( |$)").matcher(overview).find());
            }
        }
        assertEquals("ENOENT: no command 'nosuch' (try 'help')", error("shell:help nosuch"));
    }

    /**
     * Gogo's own {@code felix:help} (gogo.command's, which read Java method names: it left out kgdb:break,
     * showed Object's wait overloads for ptrace:wait) is the shell's help: the same overview, with every product
     * command and no {@code _} name, and the same help of one command.
     */
    @Test
    public void felixHelpIsTheShellsHelp() throws Exception {
        String overview = exec("felix:help");
        assertEquals(exec("shell:help"), overview);
        for (String name : registered(true)) {
            if (PRODUCT_SCOPES.contains(name.substring(0, name.indexOf(':')))) {
                assertTrue(name + " in felix:help:\n" + overview, overview.contains(name + " "));
            }
        }
        assertFalse("a _ name in felix:help:\n" + overview, Pattern.compile("(^|[ :])_").matcher(overview).find());
        for (String name : List.of("kgdb:break", "kgdb:continue", "sim:switch", "ptrace:wait", "kvm:guest-dr")) {
            String help = exec("felix:help " + name);
            assertEquals(exec("shell:help " + name), help);
            assertTrue(help, help.startsWith(name + " - "));
        }
        assertEquals("ENOENT: no command 'nosuch' (try 'help')", error("felix:help nosuch"));
    }
}
