package org.hwbp.api.gdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's gdb in batch mode against a server, always under a timeout. A missing gdb fails the test. Shared
 * with the clients' tests through hwbp-core's test-jar.
 */
public final class Gdb {
    public static final Path GDB = Path.of("/usr/bin/gdb");
    public static final long TIMEOUT_SECONDS = 60;

    private final Process process;
    private final Path output;

    private Gdb(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** gdb -nx -batch, x86-64, {@code target remote 127.0.0.1:port}, then {@code commands}, started in the background. */
    public static Gdb start(int port, String... commands) throws IOException {
        if (!Files.isExecutable(GDB)) {
            throw new AssertionError(GDB + " is missing: install Debian's gdb (apt-get install -y gdb)");
        }
        List<String> cmd = new ArrayList<>(List.of(GDB.toString(), "-nx", "-batch",
                "-ex", "set architecture i386:x86-64", "-ex", "set pagination off", "-ex", "set confirm off",
                "-ex", "target remote 127.0.0.1:" + port));
        for (String c : commands) {
            cmd.add("-ex");
            cmd.add(c);
        }
        Path out = Files.createTempFile("gdb", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new Gdb(p, out);
    }

    /** Runs gdb to completion and returns what it printed (stdout and stderr). */
    public static String run(int port, String... commands) throws IOException, InterruptedException {
        return start(port, commands).await();
    }

    public String await() throws IOException, InterruptedException {
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("gdb did not finish within " + TIMEOUT_SECONDS + " s:\n" + output());
        }
        return output();
    }

    public String output() throws IOException {
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    public Process process() {
        return process;
    }

    /** Sends gdb SIGINT, as Ctrl-C in its terminal does. */
    public void interrupt() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -INT " + process.pid() + " failed");
        }
    }

    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    public void cleanup() throws IOException {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(output);
    }
}
