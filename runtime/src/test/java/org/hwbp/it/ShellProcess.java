package org.hwbp.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The executable runtime jar in a JVM of its own, as {@code echo CMD | ./sandbox [--http PORT]} runs it: the
 * shell bundle's console reads commands from a pipe and echoes each after its prompt. {@link #run} sends one
 * command followed by an {@code echo} of a unique marker and returns what was printed before the marker, without
 * the console's banner and echoed lines.
 */
final class ShellProcess implements AutoCloseable {
    private static final Path RUNTIME = Path.of(System.getProperty("user.dir"));
    private static final Path JAR = RUNTIME.resolve("target/hwbp-sandbox.jar");
    /** The console echoes every piped line after its prompt (org.hwbp.shell's ConsoleComponent). */
    private static final String PROMPT = "hwbp> ";
    /** The console's first line. */
    private static final String BANNER = "hwbp-sandbox shell:";
    private static final String NO_ECHO_YET = "error: ENOENT: no command 'echo' (try 'help')";

    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private int marker;

    ShellProcess(String... properties) throws IOException {
        Path bundles = ItTemp.dir("hwbp-it-bundles");
        Path storage = ItTemp.dir("hwbp-it-felix");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfelix.fileinstall.dir=" + bundles,
                "-Dorg.osgi.framework.storage=" + storage,
                "-Dorg.jline.terminal.dumb=true",
                "-Dgosh.home=" + RUNTIME.resolve("gosh-noterminal")));
        for (String p : properties) {
            cmd.add("-D" + p);
        }
        cmd.addAll(List.of("-jar", JAR.toString()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("read failed: " + e);
            }
        }, "shell-process-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** A free TCP port on the loopback interface (free when asked). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs a command line and returns its output lines (not the echo), at most {@code seconds} later. */
    synchronized String run(String command, int seconds) throws IOException, InterruptedException {
        String mark = "@@end-" + (++marker) + "@@";
        stdin.write(command + "\necho " + mark + "\n");
        stdin.flush();
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("'" + command + "' gave no answer within " + seconds + " s; so far: "
                        + out);
            }
            if (line.startsWith(PROMPT) || line.startsWith(BANNER)) {
                continue;
            }
            if (line.equals(NO_ECHO_YET)) {
                // The console can read a line before Gogo's shell bundle (a later start level) registered echo.
                Thread.sleep(100);
                stdin.write("echo " + mark + "\n");
                stdin.flush();
                continue;
            }
            if (line.equals(mark)) {
                return String.join("\n", out);
            }
            out.add(line);
        }
    }

    String run(String command) throws IOException, InterruptedException {
        return run(command, 60);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            stdin.close();
        } catch (IOException e) {
            // the process is gone already
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
