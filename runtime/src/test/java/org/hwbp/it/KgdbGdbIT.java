package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * Debian's gdb ({@code /usr/bin/gdb -nx -batch}, under a timeout) debugging the running sandbox through
 * {@code kgdb:listen}, while this test drives the machine through the shell as a person or a scenario would.
 * The assertions are on what gdb prints. Without gdb these tests fail; they do not skip.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KgdbGdbIT extends SandboxTestSupport {
    private static final Path GDB = Path.of("/usr/bin/gdb");
    private static final long GDB_TIMEOUT_S = 60;
    private static final String DATA = "0xffffffff82001000";
    private static final String DATA2 = "0xffffffff82002000";
    private static final String DATA3 = "0xffffffff82003000";
    private static final String TEXT = "0xffffffff81234560";

    private final List<Process> gdbs = new ArrayList<>();
    private int port;
    /** The debugger's claims counted before the test (hwbp:stats). */
    private long claims0;

    @Before
    public void listen() {
        awaitClients();
        assertTrue(GDB + " is missing: install Debian's gdb (apt-get install -y gdb)", Files.isExecutable(GDB));
        port = Integer.parseInt(group("^listening on 127\\.0\\.0\\.1:(\\d+)$", exec("kgdb:listen 0")));
        claims0 = claims();
    }

    private long claims() {
        return Long.parseLong(group("^debugger_claims (\\d+)$", exec("hwbp:stats")));
    }

    @After
    public void stopListening() {
        for (Process p : gdbs) {
            p.destroyForcibly();
        }
        quietly("kgdb:listen --stop");
        quietly("kgdb:packet D");
        assertEquals("ok", exec("hwbp:check"));
        assertEquals("", kgdbEntries(exec("kgdb:status")).replaceAll("bp \\d: free\n", ""));
        assertNoMatch("DEBUGGER", exec("hwbp:cpus"));
        assertTrue("no gdb server thread left: " + gdbThreads(), gdbThreads().isEmpty());
    }

    /** gdb, x86-64, connected to the sandbox, then {@code commands}, in the background; its output file. */
    private Process gdb(Path out, String... commands) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(GDB.toString(), "-nx", "-batch",
                "-ex", "set pagination off", "-ex", "set confirm off",
                "-ex", "target remote 127.0.0.1:" + port));
        for (String c : commands) {
            cmd.add("-ex");
            cmd.add(c);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        gdbs.add(p);
        return p;
    }

    private static String await(Process p, Path out) throws IOException, InterruptedException {
        if (!p.waitFor(GDB_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail("gdb did not finish within " + GDB_TIMEOUT_S + " s:\n" + Files.readString(out));
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private String runGdb(String... commands) throws IOException, InterruptedException {
        Path out = ItTemp.file("gdb", ".out");
        return await(gdb(out, commands), out);
    }

    /**
     * Waits until the debugger entered the machine {@code entries} times since the test began (gdb connecting,
     * each hit or break) and gdb continued it after the last one.
     */
    private void awaitRunningAfter(int entries) {
        await("the machine running after the debugger's entry " + entries, () -> claims() == claims0 + entries
                && exec("kgdb:status").contains("not active (machine running)"));
    }

    private static List<String> gdbThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("gdb-")) {
                names.add(t.getName());
            }
        }
        return names;
    }

    @Test
    public void connectThreadsMemoryDebugRegistersMonitorAndDetach() throws Exception {
        int task = newTask("watched");
        exec("sim:switch 1 " + task);
        assertEquals("no trap", exec("sim:access --value 0x11223344 1 " + DATA + " 4 w"));
        String shellBp = group("^bp (\\d+)$", exec("hwbp:register --cpu 0 " + DATA3 + " 8 rw"));
        try {
            String out = runGdb("info threads", "x/4xb " + DATA, "p/x $dr7", "monitor hwbp:regs 0",
                    "monitor kgdb:continue", "maintenance flush register-cache", "p/x $dr7", "p/x $dr0",
                    "monitor hwbp:regs 0", "monitor hwbp:cpus", "detach");
            // one thread per CPU, like kgdb's shadow CPU threads
            for (int cpu = 0; cpu < 4; cpu++) {
                assertMatches("^\\*?\\s+" + (cpu + 1) + "\\s+Thread " + (cpu + 1) + " \\(shadowCPU" + cpu + " ", out);
            }
            assertMatches("Thread 2 \\(shadowCPU1 DEBUGGER task " + task + "\\)", out);
            assertMatches(DATA + ":\\s+0x44\\s+0x33\\s+0x22\\s+0x11", out);
            // while the debugger holds the machine DR7 is 0x400; after kgdb:continue the shell's breakpoint is back
            assertMatches("^\\$1 = 0x400$", out);
            assertMatches("^DR7 0x400 ", out);
            String dr7 = group("^\\$2 = (0x[0-9a-f]+)$", out);
            assertTrue(out, !dr7.equals("0x400"));
            assertMatches("^DR7 " + dr7 + " ", out);
            assertMatches("^\\$3 = " + DATA3 + "$", out);
            assertMatches("^0\\s+HOST\\s", out);
            assertMatches("\\[Inferior 1 \\(Remote target\\) detached\\]", out);
        } finally {
            exec("hwbp:unregister " + shellBp);
            exec("sim:exit " + task);
        }
    }

    @Test
    public void watchRwatchAndAwatchStopTheMachineWithOldAndNewValues() throws Exception {
        int task = newTask("writer");
        exec("sim:switch 2 " + task);
        exec("sim:poke " + DATA + " 7 4");
        exec("sim:poke " + DATA2 + " 42 4");
        Path file = ItTemp.file("gdb", ".out");
        Process gdb = gdb(file, "watch *(int *)" + DATA, "rwatch *(int *)" + DATA2, "awatch *(int *)" + DATA3,
                "continue", "monitor hwbp:cpus", "continue", "continue", "detach");
        try {
            // what a scenario does: wait for gdb's continue, then drive the machine
            assertTrue(exec("kgdb:listen --wait").matches("listening on 127\\.0\\.0\\.1:" + port
                    + ", (no gdb connected|gdb connected from 127\\.0\\.0\\.1:\\d+)\ngdb connected, machine running"));
            awaitRunningAfter(1);
            assertMatches("^2\\s+HOST\\s", exec("hwbp:cpus"));
            assertMatches("^#DB dr6=0xffff0ff[1248]$", exec("sim:access --value 9 2 " + DATA + " 4 w"));
            awaitRunningAfter(2);
            assertMatches("^#DB dr6=0xffff0ff[1248]$", exec("sim:access 2 " + DATA2 + " 4 r"));
            awaitRunningAfter(3);
            assertMatches("^#DB dr6=0xffff0ff[1248]$", exec("sim:access --kernel --value 0x1234 3 " + DATA3 + " 4 w"));
            String out = await(gdb, file);
            assertMatches("Thread 3 hit Hardware watchpoint 1: \\*\\(int \\*\\)" + DATA, out);
            assertMatches("Old value = 7\\s+New value = 9", out);
            // the stop: every CPU held by the debugger, as with kgdb:break
            assertMatches("^2\\s+DEBUGGER\\s", out);
            assertMatches("Thread 3 hit Hardware read watchpoint 2: \\*\\(int \\*\\)" + DATA2 + "\\s+Value = 42", out);
            assertMatches("Thread 4 hit Hardware access \\(read/write\\) watchpoint 3: \\*\\(int \\*\\)" + DATA3
                    + "\\s+Old value = 0\\s+New value = 4660", out);
            assertMatches("detached", out);
        } finally {
            exec("sim:exit " + task);
        }
    }

    @Test
    public void hardwareBreakpointHitsAndAFifthIsRefusedByGdbItself() throws Exception {
        Path file = ItTemp.file("gdb", ".out");
        Process gdb = gdb(file, "hbreak *" + TEXT, "continue", "delete",
                "hbreak *0xffffffff81234570", "hbreak *0xffffffff81234580", "hbreak *0xffffffff81234590",
                "hbreak *0xffffffff812345a0", "hbreak *0xffffffff812345b0", "continue", "monitor kgdb:status",
                "detach");
        awaitRunningAfter(1);
        assertMatches("^#DB dr6=0xffff0ff[1248]$", exec("sim:access --kernel 1 " + TEXT + " 1 x"));
        String out = await(gdb, file);
        assertMatches("Thread 2 hit Breakpoint 1, " + TEXT + " in \\?\\? \\(\\)", out);
        assertMatches("Could not insert hardware breakpoint", out);
        assertMatches("detached", out);
    }

    @Test
    public void kgdbBreakAndCtrlCStopTheRunningMachine() throws Exception {
        Path file = ItTemp.file("gdb", ".out");
        Process gdb = gdb(file, "continue", "continue", "info threads", "detach");
        awaitRunningAfter(1);
        // the stop gdb is told of; gdb's next continue releases the machine again
        assertEquals("ok", exec("kgdb:break"));
        awaitRunningAfter(2);
        // gdb's Ctrl-C: SIGINT to gdb, which sends 0x03
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(gdb.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0);
        String out = await(gdb, file);
        assertMatches("Thread 1 received signal SIGTRAP", out);
        assertMatches("Thread 1 received signal SIGINT", out);
        assertMatches("detached", out);
    }

    @Test
    public void aKilledGdbEndsItsSessionAsDetachAndASecondGdbIsRefused() throws Exception {
        Path file = ItTemp.file("gdb", ".out");
        Process first = gdb(file, "watch *(int *)" + DATA, "hbreak *" + TEXT, "continue");
        awaitRunningAfter(1);
        assertMatches("installed cpus 0,1,2,3", exec("kgdb:status"));
        String second = runGdb("info threads");
        assertMatches("EBUSY: gdb at 127\\.0\\.0\\.1:\\d+ is already connected", second);
        assertMatches("gdb connected from", exec("kgdb:listen"));
        // the first one is undisturbed; killed while the machine runs with its breakpoints installed
        assertMatches("gdb connected from", exec("kgdb:listen"));
        assertMatches("installed cpus 0,1,2,3", exec("kgdb:status"));
        first.destroyForcibly().waitFor(GDB_TIMEOUT_S, TimeUnit.SECONDS);
        await("the session of the killed gdb ended", () -> exec("kgdb:listen").endsWith("no gdb connected"));
        assertEquals("", kgdbEntries(exec("kgdb:status")).replaceAll("bp \\d: free\n", ""));
        assertEquals("false", exec("hwbp:used"));
        assertEquals("no trap", exec("sim:access --kernel --value 1 0 " + DATA + " 4 w"));
    }

    @Test
    public void aPausedCoreGivesErrorRepliesAndAStoppedClientClosesTheConnection() throws Exception {
        Bundle core = requireBundle(CORE);
        Path file = ItTemp.file("gdb", ".out");
        Path dir = ItTemp.dir("gdb-sync");
        Path paused = dir.resolve("paused");
        Path read = dir.resolve("read");
        Path back = dir.resolve("back");
        // gdb reads memory while the core is away (the test stops it meanwhile), then again once it is back
        Process gdb = gdb(file, "shell until [ -e " + paused + " ]; do sleep 0.1; done", "x/4xb " + DATA,
                "shell touch " + read, "shell until [ -e " + back + " ]; do sleep 0.1; done", "x/2xb " + DATA,
                "continue");
        await("gdb connected", () -> claims() == claims0 + 1);
        core.stop();
        try {
            Files.createFile(paused);
            await("gdb's read while the core is away", () -> Files.exists(read));
        } finally {
            core.start();
        }
        awaitClients();
        Files.createFile(back);
        await("the machine running", () -> exec("kgdb:status").contains("not active (machine running)"));
        Bundle kgdb = requireBundle(KGDB);
        kgdb.stop();
        try {
            String out = await(gdb, file);
            assertMatches("Cannot access memory at address " + DATA, out);
            assertMatches(DATA + ":\\s+0x[0-9a-f]{2}\\s+0x[0-9a-f]{2}", out);
            assertMatches("Remote connection closed", out);
            assertTrue("no gdb server thread left: " + gdbThreads(), gdbThreads().isEmpty());
        } finally {
            kgdb.start();
            awaitClients();
        }
        assertEquals("not listening", exec("kgdb:listen"));
        port = Integer.parseInt(group("^listening on 127\\.0\\.0\\.1:(\\d+)$", exec("kgdb:listen " + port)));
        assertMatches("already listening", error("EBUSY", "kgdb:listen 0"));
    }

    @Test
    public void aPortInUseIsOneEbusyLineAndTheStateIsShown() throws Exception {
        assertEquals("listening on 127.0.0.1:" + port + ", no gdb connected", exec("kgdb:listen"));
        assertMatches("already listening", error("EBUSY", "kgdb:listen 0"));
        assertEquals("stopped listening on 127.0.0.1:" + port, exec("kgdb:listen --stop"));
        assertEquals("not listening", exec("kgdb:listen"));
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            String message = error("EBUSY", "kgdb:listen " + taken.getLocalPort());
            assertFalse(message, message.contains("\n"));
            assertEquals("EBUSY: 127.0.0.1:" + taken.getLocalPort() + " is in use", message);
        }
        assertMatches("PORT", error("EINVAL", "kgdb:listen 70000"));
        port = Integer.parseInt(group("^listening on 127\\.0\\.0\\.1:(\\d+)$", exec("kgdb:listen 0")));
    }

    /** A reset is a reboot: gdb's connection closes, nothing listens, and the next kgdb:listen starts afresh. */
    @Test
    public void aResetClosesTheConnectionAndTheListener() throws Exception {
        Path file = ItTemp.file("gdb", ".out");
        Process gdb = gdb(file, "continue");
        awaitRunningAfter(1);
        exec("hwbp:reset");
        String out = await(gdb, file);
        assertMatches("Remote connection closed", out);
        assertEquals("not listening", exec("kgdb:listen"));
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 2000);
            fail("something still listens on " + port + " after the reset");
        } catch (java.net.ConnectException expected) {
            // refused: the listener is gone
        }
        assertTrue("no gdb server thread left: " + gdbThreads(), gdbThreads().isEmpty());
        port = Integer.parseInt(group("^listening on 127\\.0\\.0\\.1:(\\d+)$", exec("kgdb:listen 0")));
    }
}
