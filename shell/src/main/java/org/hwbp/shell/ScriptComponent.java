package org.hwbp.shell;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The non-interactive modes of {@code ./sandbox}: when the system property {@value #MODE} is {@code run},
 * {@code demo} or {@code command}, waits until the shell commands are registered, runs the scenario files
 * ({@value #ARGS}: absolute paths separated by {@link File#pathSeparator}), the built-in demo, or the
 * {@code ;}-separated commands ({@value #ARGS}) in one Gogo session, prints the transcript on the standard
 * output and ends the JVM with the status. Without the property it does nothing.
 */
@Component(immediate = true, service = {})
public final class ScriptComponent {
    static final String MODE = "hwbp.script.mode";
    static final String ARGS = "hwbp.script.args";
    /** Set once a run started, so that a re-activation (a restarted shell, an updated bundle) never runs it twice. */
    private static final String STARTED = "hwbp.script.started";
    private static final long COMMANDS_TIMEOUT_MS = 30_000;
    /** How long installed client bundles that declare commands get to register them. */
    private static final long CLIENTS_TIMEOUT_MS = 3_000;
    /** The Gogo shell bundle of the runtime, and the service through which it converts arguments. */
    private static final String GOGO_SHELL = "org.apache.felix.gogo.jline";
    private static final String CONVERTER = "org.apache.felix.service.command.Converter";
    /** How long the JVM may take to shut down before it is halted with the status. */
    private static final long EXIT_WATCHDOG_MS = 10_000;

    enum Mode { RUN, DEMO, COMMAND }

    private final BundleContext context;
    private final CommandProcessor processor;
    private final TimelineCommands timeline;

    /**
     * The timeline component is referenced so that it listens to the session before the first line runs
     * ({@code ./sandbox --timeline OUT.svg} writes what it recorded at the end).
     */
    @Activate
    public ScriptComponent(BundleContext context, @Reference CommandProcessor processor,
            @Reference TimelineCommands timeline) {
        this.context = context;
        this.processor = processor;
        this.timeline = timeline;
        String mode = System.getProperty(MODE, "").trim();
        if (mode.isEmpty() || System.getProperties().putIfAbsent(STARTED, "true") != null) {
            return;
        }
        Thread runner = new Thread(() -> run(mode), "hwbp-script");
        runner.start();
    }

    private void run(String modeName) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        int status = 2;
        try {
            Mode mode = Mode.valueOf(modeName.toUpperCase(Locale.ROOT));
            awaitCommands();
            status = run(mode, System.getProperty(ARGS, ""), out);
        } catch (IllegalArgumentException e) {
            out.println("error: unknown " + MODE + " '" + modeName + "' (run, demo or command)");
        } catch (InterruptedException e) {
            out.println("error: interrupted while waiting for the shell commands");
        } catch (RuntimeException | Error e) {
            out.println("error: the script runner failed: " + e);
        } finally {
            out.flush();
            exit(status);
        }
    }

    private int run(Mode mode, String args, PrintStream out) {
        Transcript transcript = new Transcript(out);
        switch (mode) {
            case RUN:
                for (String file : args.split(File.pathSeparator)) {
                    if (file.isBlank()) {
                        continue;
                    }
                    try {
                        List<String> lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
                        runScript(transcript, lines);
                    } catch (IOException e) {
                        transcript.problem("cannot read " + file + ": " + e.getMessage());
                    }
                }
                break;
            case DEMO:
                runScript(transcript, demo());
                break;
            default:
                try (GogoExecutor executor = new GogoExecutor(processor)) {
                    new ScenarioRunner(executor, transcript).runCommands(args);
                }
        }
        transcript.summary();
        int status = transcript.status(mode == Mode.COMMAND);
        String svg = System.getProperty(TimelineCommands.OUTPUT, "");
        if (!svg.isBlank()) {
            // On stderr: stdout carries only the transcript.
            try {
                timeline.write(Path.of(svg));
            } catch (RuntimeException e) {
                System.err.println("sandbox: --timeline: " + e.getMessage());
                return status == 0 ? 1 : status;
            }
        }
        return status;
    }

    private void runScript(Transcript transcript, List<String> lines) {
        try (GogoExecutor executor = new GogoExecutor(processor)) {
            new ScenarioRunner(executor, transcript).runScript(lines);
        }
    }

    static List<String> demo() {
        try (InputStream in = ScriptComponent.class.getResourceAsStream("demo.hwbp")) {
            if (in == null) {
                throw new IllegalStateException("the demo scenario is missing from the bundle");
            }
            return Arrays.asList(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r?\n"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the demo scenario: " + e.getMessage(), e);
        }
    }

    /**
     * Waits until this bundle's {@code hwbp} and {@code sim} commands are registered (those that need the core:
     * {@code hwbp:client} is there before the core is), then gives every other installed {@code org.hwbp.*}
     * bundle a bounded time to register its own, so that a scenario's first line never meets "command not
     * found" only because a client was still starting.
     */
    private void awaitCommands() throws InterruptedException {
        long deadline = System.currentTimeMillis() + COMMANDS_TIMEOUT_MS;
        while (!(hasCommand("hwbp", "list") && hasCommand("sim", "task")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        deadline = System.currentTimeMillis() + CLIENTS_TIMEOUT_MS;
        while (!clientsReady() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        deadline = System.currentTimeMillis() + COMMANDS_TIMEOUT_MS;
        while (!gogoShellReady() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
    }

    /**
     * Gogo's own bundle commands ({@code stop NAME}, {@code start NAME}) take a Bundle, and the converter that
     * turns a symbolic name into one comes with the Gogo shell bundle, which starts one start level after the
     * project's bundles: a scenario that stops a bundle in its first lines must not run before it is there.
     * Ready once that bundle registered its converter, or when there is no such bundle.
     */
    private boolean gogoShellReady() {
        for (Bundle b : context.getBundles()) {
            if (GOGO_SHELL.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
                return registers(b, CONVERTER);
            }
        }
        return true;
    }

    private static boolean registers(Bundle b, String objectClass) {
        try {
            ServiceReference<?>[] refs = b.getRegisteredServices();
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    if (Arrays.asList((String[]) r.getProperty(Constants.OBJECTCLASS)).contains(objectClass)) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IllegalStateException uninstalled) {
            return true;
        }
    }

    private boolean hasCommand(String scope, String function) {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                    "(&(osgi.command.scope=" + scope + ")(osgi.command.function=" + function + "))");
            return refs != null && refs.length > 0;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean clientsReady() {
        for (Bundle b : context.getBundles()) {
            String name = b.getSymbolicName();
            if (name == null || !name.startsWith("org.hwbp.") || b.equals(context.getBundle())
                    || b.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            if (declaresCommands(b) && !hasCommands(b)) {
                return false;
            }
        }
        return true;
    }

    /** Whether one of the bundle's DS component descriptions registers a command service. */
    private static boolean declaresCommands(Bundle b) {
        Object header = b.getHeaders().get("Service-Component");
        if (header == null) {
            return false;
        }
        for (String path : header.toString().split(",")) {
            URL entry = b.getEntry(path.trim());
            if (entry == null) {
                continue;
            }
            try (InputStream in = entry.openStream()) {
                if (new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("osgi.command.scope")) {
                    return true;
                }
            } catch (IOException e) {
                // An unreadable description cannot be waited for.
            }
        }
        return false;
    }

    private static boolean hasCommands(Bundle b) {
        try {
            ServiceReference<?>[] refs = b.getRegisteredServices();
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    if (r.getProperty("osgi.command.scope") != null) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IllegalStateException uninstalled) {
            return true;
        }
    }

    /**
     * Ends the JVM with {@code status}. System.exit comes first so that the status is ours (the launcher's
     * shutdown hook then stops the framework; were the framework stopped first, the launcher would exit with
     * its own "stopped" code); a watchdog halts the JVM if the shutdown hangs.
     */
    static void exit(int status) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(EXIT_WATCHDOG_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(status);
        }, "hwbp-exit-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        System.exit(status);
    }
}
