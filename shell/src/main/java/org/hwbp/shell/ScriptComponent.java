package org.hwbp.shell;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The non-interactive modes of {@code ./sandbox}: when the system property {@value #MODE} is {@code run},
 * {@code demo} or {@code command}, waits until the shell commands are registered, runs the scenario files
 * ({@value #ARGS}: paths separated by {@link File#pathSeparator}), the built-in demo, or the {@code ;}-separated
 * commands ({@value #ARGS}) in one Gogo session, prints the transcript on the standard output and ends the JVM
 * with the status. Without the property it does nothing.
 *
 * <p>Several files run in this one runtime, each in a Gogo session of its own, with a {@link RuntimeReset}
 * between them, so that each transcript is what a fresh runtime prints for it; each file's transcript comes
 * after a line {@code == FILE} and ends with its own {@code N passed, N failed}, and a last line adds them up.
 * When a file changed the bundles (reinstalled one: its id is no longer a fresh runtime's), the next file needs
 * a fresh JVM: if {@value #PROGRESS} names a file, the runner writes there where to continue and the totals so
 * far, and ends the JVM with {@value #CONTINUE_IN_NEW_JVM} (the launcher starts the next JVM); without it, the
 * run goes on in this runtime after a note on the standard error.
 */
@Component(immediate = true, service = {})
public final class ScriptComponent {
    static final String MODE = "hwbp.script.mode";
    static final String ARGS = "hwbp.script.args";
    /** A file through which successive JVMs of one {@code run} hand over: next file, passed, failed, status. */
    static final String PROGRESS = "hwbp.script.progress";
    /** The exit status that asks the launcher for a fresh JVM to continue the run (BSD's EX_TEMPFAIL). */
    static final int CONTINUE_IN_NEW_JVM = 75;
    /** Set once a run started, so that a re-activation (a restarted shell, an updated bundle) never runs it twice. */
    private static final String STARTED = "hwbp.script.started";
    /** How long the JVM may take to shut down before it is halted with the status. */
    private static final long EXIT_WATCHDOG_MS = 10_000;

    enum Mode { RUN, DEMO, COMMAND }

    private final BundleContext context;
    private final CommandProcessor processor;
    private final TimelineCommands timeline;
    private final RuntimeReset reset;

    /**
     * The timeline component is referenced so that it listens to the session before the first line runs
     * ({@code ./sandbox --timeline OUT.svg} writes what it recorded at the end).
     */
    @Activate
    public ScriptComponent(BundleContext context, @Reference CommandProcessor processor,
            @Reference TimelineCommands timeline, @Reference RuntimeReset reset) {
        this.context = context;
        this.processor = processor;
        this.timeline = timeline;
        this.reset = reset;
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
            BootWait.await(context);
            reset.recordBoot();
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

    private int run(Mode mode, String args, PrintStream out) throws InterruptedException {
        int status;
        if (mode == Mode.RUN) {
            status = runFiles(args, out);
        } else {
            Transcript transcript = new Transcript(out);
            if (mode == Mode.DEMO) {
                runScript(transcript, demo());
            } else {
                try (GogoExecutor executor = new GogoExecutor(processor)) {
                    new ScenarioRunner(executor, transcript).runCommands(args);
                }
            }
            transcript.summary();
            status = transcript.status(mode == Mode.COMMAND);
        }
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

    /** The files, one after the other, with a reset between them; see the class comment. */
    private int runFiles(String args, PrintStream out) throws InterruptedException {
        List<String> files = new ArrayList<>();
        for (String f : args.split(File.pathSeparator)) {
            if (!f.isBlank()) {
                files.add(f);
            }
        }
        Progress progress = Progress.read(System.getProperty(PROGRESS, ""));
        boolean several = files.size() > 1;
        for (int i = progress.next; i < files.size(); i++) {
            if (i > progress.first) {
                List<String> changed = reset.reset();
                BootWait.await(context);
                if (!changed.isEmpty()) {
                    if (progress.file != null) {
                        progress.next = i;
                        progress.write();
                        return CONTINUE_IN_NEW_JVM;
                    }
                    System.err.println("sandbox: bundles changed since boot (" + String.join(", ", changed)
                            + "): " + files.get(i) + " runs with bundle ids a fresh runtime would not have");
                }
            }
            if (several) {
                out.println("== " + files.get(i));
            }
            Transcript transcript = new Transcript(out);
            try {
                runScript(transcript, Files.readAllLines(Path.of(files.get(i)), StandardCharsets.UTF_8));
            } catch (IOException e) {
                transcript.problem("cannot read " + files.get(i) + ": " + e.getMessage());
            }
            transcript.summary();
            progress.passed += transcript.passed();
            progress.failed += transcript.failed();
            progress.status = Math.max(progress.status, transcript.status(false));
        }
        if (several) {
            out.println(progress.passed + " passed, " + progress.failed + " failed");
        }
        out.flush();
        return progress.status;
    }

    /** Where a run of several files stands, handed from one JVM to the next through the file {@value #PROGRESS}. */
    private static final class Progress {
        final Path file;
        /** The first file this JVM runs (no reset before it: the runtime is fresh). */
        final int first;
        int next;
        int passed;
        int failed;
        int status;

        private Progress(Path file, int next, int passed, int failed, int status) {
            this.file = file;
            this.first = next;
            this.next = next;
            this.passed = passed;
            this.failed = failed;
            this.status = status;
        }

        static Progress read(String name) {
            if (name.isBlank()) {
                return new Progress(null, 0, 0, 0, 0);
            }
            Path file = Path.of(name);
            try {
                String text = Files.isRegularFile(file) ? Files.readString(file).trim() : "";
                if (text.isEmpty()) {
                    return new Progress(file, 0, 0, 0, 0);
                }
                String[] f = text.split(" ");
                return new Progress(file, Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        Integer.parseInt(f[3]));
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot read " + PROGRESS + " " + file + ": " + e, e);
            }
        }

        void write() {
            try {
                Files.writeString(file, next + " " + passed + " " + failed + " " + status + "\n");
            } catch (IOException e) {
                throw new IllegalStateException("cannot write " + PROGRESS + " " + file + ": " + e, e);
            }
        }
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
