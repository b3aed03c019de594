package org.hwbp.it;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The runtime jar as a user runs it (commands piped to the shell) with Debian's gdb debugging a task through
 * {@code ptrace:gdbserver} and a VM through {@code kvm:gdbstub}; then each client bundle is updated under its
 * gdb: gdb sees the connection close, the stub is gone after the update, and {@code hwbp:check} is ok. A missing
 * gdb fails the test.
 */
public class GdbStubsIT {
    private static final Path RUNTIME = Path.of(System.getProperty("user.dir"));
    private static final Path JAR = RUNTIME.resolve("target/hwbp-sandbox.jar");
    private static final Path GDB = Path.of("/usr/bin/gdb");
    private static final long TIMEOUT_MS = 90_000;

    private Process runtime;
    private OutputStream shell;
    private Path out;
    private final List<Process> gdbs = new ArrayList<>();

    @Before
    public void launch() throws IOException {
        assertTrue(GDB + " is missing: install Debian's gdb (apt-get install -y gdb)", Files.isExecutable(GDB));
        Path bundles = ItTemp.dir("hwbp-it-bundles");
        Path storage = ItTemp.dir("hwbp-it-felix");
        out = ItTemp.file("hwbp-gdb-it", ".txt");
        runtime = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfelix.fileinstall.dir=" + bundles, "-Dorg.osgi.framework.storage=" + storage,
                "-Dorg.jline.terminal.dumb=true", "-Dgosh.home=" + RUNTIME.resolve("gosh-noterminal"),
                "-jar", JAR.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        shell = runtime.getOutputStream();
    }

    @After
    public void stop() throws Exception {
        for (Process g : gdbs) {
            g.destroyForcibly();
        }
        if (runtime.isAlive()) {
            shell.close();
            if (!runtime.waitFor(60, TimeUnit.SECONDS)) {
                runtime.destroyForcibly();
            }
        }
    }

    /** Sends a shell line and waits until the shell's output contains {@code expect}. */
    private void send(String line, String expect) throws Exception {
        int from = Files.readString(out, StandardCharsets.UTF_8).length();
        shell.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        shell.flush();
        await(out, from, expect, line);
    }

    /** Sends a shell line again every second until one answer contains {@code expect}. */
    private void poll(String line, String expect) throws Exception {
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        while (true) {
            int from = Files.readString(out, StandardCharsets.UTF_8).length();
            shell.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            shell.flush();
            Thread.sleep(1000);
            String s = Files.readString(out, StandardCharsets.UTF_8);
            if (s.substring(from).contains(expect)) {
                return;
            }
            if (System.currentTimeMillis() > end) {
                throw new AssertionError(line + ": no '" + expect + "' within " + TIMEOUT_MS + " ms:\n" + s);
            }
        }
    }

    private static void await(Path file, int from, String expect, String what) throws Exception {
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        while (true) {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            if (s.length() > from && s.substring(from).contains(expect)) {
                return;
            }
            if (System.currentTimeMillis() > end) {
                throw new AssertionError(what + ": no '" + expect + "' within " + TIMEOUT_MS + " ms:\n"
                        + s.substring(Math.min(from, s.length())));
            }
            Thread.sleep(50);
        }
    }

    private Path gdb(int port, String... commands) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(GDB.toString(), "-nx", "-batch", "-ex", "set pagination off",
                "-ex", "set confirm off", "-ex", "target remote 127.0.0.1:" + port));
        for (String c : commands) {
            cmd.add("-ex");
            cmd.add(c);
        }
        Path o = ItTemp.file("gdb", ".out");
        gdbs.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(o.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start());
        return o;
    }

    @Test
    public void aTaskAndAVmUnderGdbThenEachClientUpdatedUnderItsGdb() throws Exception {
        send("sim:task editor", "task 1");
        send("sim:switch 1 1", "ok");
        send("sim:access --value 7 1 0x601000 4 w", "no trap");
        send("ptrace:gdbserver 0 1", "for task 1");
        String listing = Files.readString(out, StandardCharsets.UTF_8);
        int ptracePort = port(listing, " for task 1");
        send("kvm:create --vcpus 2", "vm 1");
        send("kvm:gdbstub 0 1", "for VM 1");
        int kvmPort = port(Files.readString(out, StandardCharsets.UTF_8), " for VM 1");

        Path ptraceGdb = gdb(ptracePort, "watch *(int *)0x601000", "continue", "continue");
        Path kvmGdb = gdb(kvmPort, "hbreak *0x401000", "continue", "continue");
        poll("ptrace:gdbserver", "task running");
        poll("kvm:gdbstub", "VM running");
        send("sim:access --value 42 1 0x601000 4 w", "triggered");
        await(ptraceGdb, 0, "Old value = 7\nNew value = 42", "ptrace gdb");
        send("kvm:run 1 1 2 0x401000:1:x", "exit debug");
        await(kvmGdb, 0, "Thread 2 hit Breakpoint 1, 0x0000000000401000", "kvm gdb");

        send("hwbp:client org.hwbp.ptrace-client update", "org.hwbp.ptrace-client");
        await(ptraceGdb, 0, "Remote connection closed", "ptrace gdb after the update");
        poll("ptrace:gdbserver", "no gdbserver");
        // the old server's socket is gone: the updated client listens on the same port again
        send("ptrace:gdbserver " + ptracePort + " 1", "listening on 127.0.0.1:" + ptracePort + " for task 1");
        send("ptrace:gdbserver --stop 1", "ok");
        send("hwbp:client org.hwbp.kvm-client update", "org.hwbp.kvm-client");
        await(kvmGdb, 0, "Remote connection closed", "kvm gdb after the update");
        poll("kvm:gdbstub", "no gdbstub");
        send("kvm:gdbstub " + kvmPort + " 1", "listening on 127.0.0.1:" + kvmPort + " for VM 1");
        send("kvm:gdbstub --stop 1", "ok");
        send("hwbp:check", "ok");
        String all = Files.readString(out, StandardCharsets.UTF_8);
        assertFalse(all, all.contains("error:"));
    }

    /** The port in the shell's "listening on 127.0.0.1:PORT for ..." line. */
    private static int port(String shellOutput, String suffix) {
        int end = shellOutput.lastIndexOf(suffix);
        int start = shellOutput.lastIndexOf(':', end) + 1;
        return Integer.parseInt(shellOutput.substring(start, end));
    }
}
