package org.hwbp.shell;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The interactive shell of {@code ./sandbox} and {@code java -jar}, when the framework property {@value #CONSOLE}
 * is {@code true} and no script mode is set (Gogo's own console is off: {@code gosh.args=--nointeractive}). It
 * reads lines from a terminal (JLine: prompt {@code hwbp> }, history, Tab completion of command names) or from
 * piped stdin (each line echoed after the prompt, as in a transcript), runs each through the same
 * {@link GogoExecutor} as {@code run}, {@code demo} and {@code -c}, so that every refusal is one line
 * {@code error: ERRNO: message}, and ends the JVM on {@code exit}, {@code quit} or end of input (Ctrl-D).
 *
 * <p>Gogo's console printed a Java exception's toString for every failure and resolved bare names in every
 * scope ({@code exit} ran {@code sim:exit}); this one does neither.
 */
@Component(immediate = true, service = {})
public final class ConsoleComponent {
    static final String CONSOLE = "hwbp.console";
    /** Set once the console started, so that a re-activated shell bundle never starts a second one. */
    private static final String STARTED = "hwbp.console.started";
    static final String BANNER = "hwbp-sandbox shell: 'help' lists the commands, 'help NAME' shows one;"
            + " exit, quit or Ctrl-D leaves.";

    /** One line of input: null at the end. */
    interface LineSource extends AutoCloseable {
        String readLine() throws IOException;

        /** Where the results go. */
        PrintStream out();

        /** Whether the user sees what was typed (a terminal echoes it; piped input is echoed by the console). */
        boolean echoes();

        @Override
        void close();
    }

    private final BundleContext context;
    private final CommandProcessor processor;
    private final RuntimeReset reset;

    @Activate
    public ConsoleComponent(BundleContext context, @Reference CommandProcessor processor,
            @Reference RuntimeReset reset) {
        this.context = context;
        this.processor = processor;
        this.reset = reset;
        giveGogoAProfile(context);
        giveGogoADumbTerminal();
        if (!"true".equals(context.getProperty(CONSOLE))
                || !System.getProperty(ScriptComponent.MODE, "").isBlank()
                || System.getProperties().putIfAbsent(STARTED, "true") != null) {
            return;
        }
        Thread console = new Thread(this::run, "hwbp-console");
        console.start();
    }

    /**
     * Gogo's shell bundle (one start level after this one) always runs a profile, from {@code gosh.home}/etc;
     * without one it falls back to its built-in profile, which needs the console Gogo does not run here and fails
     * with a stack trace. So, unless {@code gosh.home} is given ({@code ./sandbox} gives runtime/gosh-noterminal,
     * the same profile), this bundle writes its profile into its data area and points {@code gosh.home} there.
     */
    private static void giveGogoAProfile(BundleContext context) {
        if (context.getProperty("gosh.home") != null) {
            return;
        }
        File home = context.getDataFile("gosh");
        if (home == null) {
            return;
        }
        try (InputStream in = ConsoleComponent.class.getResourceAsStream("gosh_profile")) {
            Path profile = home.toPath().resolve("etc").resolve("gosh_profile");
            Files.createDirectories(profile.getParent());
            Files.copy(in, profile, StandardCopyOption.REPLACE_EXISTING);
            System.setProperty("gosh.home", home.getAbsolutePath());
        } catch (IOException | RuntimeException e) {
            System.err.println("hwbp: cannot write Gogo's profile: " + e);
        }
    }

    /**
     * Without a terminal (stdin or stdout piped), Gogo's shell bundle still builds a JLine terminal, and JLine warns
     * "Unable to create a system terminal, creating a dumb terminal" on the standard error: unless told otherwise,
     * ask JLine for a dumb terminal up front, as {@code ./sandbox} does with {@code -Dorg.jline.terminal.dumb=true}, so
     * that {@code java -jar} with piped input prints no warning either.
     */
    private static void giveGogoADumbTerminal() {
        if (System.console() == null) {
            System.getProperties().putIfAbsent("org.jline.terminal.dumb", "true");
        }
    }

    private void run() {
        int status = 0;
        try {
            BootWait.await(context);
            reset.recordBoot();
            try (GogoExecutor executor = new GogoExecutor(processor); LineSource in = open(executor)) {
                loop(executor, in);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            System.err.println("hwbp: the console failed: " + e);
            status = 1;
        } finally {
            ScriptComponent.exit(status);
        }
    }

    /** Reads and runs lines until exit, quit or the end of the input. */
    static void loop(GogoExecutor executor, LineSource in) throws IOException {
        PrintStream out = in.out();
        out.println(BANNER);
        out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            String command = line.strip();
            if (!in.echoes()) {
                out.println(Transcript.PROMPT + line);
            }
            if (command.isEmpty() || command.startsWith("#")) {
                continue;
            }
            if (command.equals("exit") || command.equals("quit")) {
                break;
            }
            String printed = executor.execute(command).printed();
            if (!printed.isEmpty()) {
                out.println(printed);
            }
            out.flush();
        }
        out.flush();
    }

    private LineSource open(GogoExecutor executor) throws IOException {
        if (System.console() != null) {
            try {
                return TerminalLines.open(executor);
            } catch (LinkageError noJline) {
                // No JLine bundle: plain lines, the terminal still echoes them.
                return piped(true);
            }
        }
        return piped(false);
    }

    private static LineSource piped(boolean terminal) {
        BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        return new LineSource() {
            @Override
            public String readLine() throws IOException {
                if (terminal) {
                    out.print(Transcript.PROMPT);
                    out.flush();
                }
                return reader.readLine();
            }

            @Override
            public PrintStream out() {
                return out;
            }

            @Override
            public boolean echoes() {
                return terminal;
            }

            @Override
            public void close() {
                out.flush();
            }
        };
    }
}
