package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
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

/**
 * Three of Debian's gdb at once against one runtime — kgdb's ({@code kgdb:listen}), a task's gdbserver's
 * ({@code ptrace:gdbserver}) and a VM's gdbstub's ({@code kvm:gdbstub}) — competing for the four debug
 * registers of each CPU, while the test drives the machine through the shell. The assertions are on what each
 * gdb prints and on what is left afterwards: {@code hwbp:check} ok, no slot in use, no thread of a gdb server
 * ({@code gdb-listen-PORT}, {@code gdb-session-PORT}) and no listening socket. Without gdb these tests fail.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ThreeGdbsIT extends SandboxTestSupport {
    private static final Path GDB = Path.of("/usr/bin/gdb");
    private static final long GDB_TIMEOUT_S = 60;
    /** The task's watched int, in the machine's simulated memory. */
    private static final String DATA = "0x601000";
    /** Kernel text for kgdb's hardware breakpoints. */
    private static final String[] KTEXT = {"0xffffffff81000040", "0xffffffff81000050", "0xffffffff81000060",
        "0xffffffff81000070"};
    private static final String WATCH = "watchpoint " + DATA + " len 4 (task DR0)";

    private final List<Process> gdbs = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final List<Path> outputs = new ArrayList<>();
    private int task;
    private int vm;
    /** The debugger's claims counted before the test (hwbp:stats). */
    private long claims0;

    @Before
    public void machine() {
        awaitClients();
        assertTrue(GDB + " is missing: install Debian's gdb (apt-get install -y gdb)", Files.isExecutable(GDB));
        task = newTask("editor");
        exec("sim:switch 1 " + task);
        assertEquals("no trap", exec("sim:access --value 7 1 " + DATA + " 4 w"));
        vm = Integer.parseInt(group("^vm (\\d+)$", exec("kvm:create --vcpus 2")));
        claims0 = claims();
    }

    @After
    public void cleanUp() throws IOException {
        for (Process p : gdbs) {
            p.destroyForcibly();
        }
        for (Path p : outputs) {
            Files.deleteIfExists(p);
        }
        quietly("ptrace:gdbserver --stop " + task);
        quietly("kvm:gdbstub --stop " + vm);
        quietly("kgdb:listen --stop");
        quietly("kgdb:packet D");
        quietly("sim:exit " + task);
        quietly("kvm:destroy " + vm);
        exec("hwbp:policy linux");
    }

    // ------------------------------------------------------------------ helpers

    private long claims() {
        return Long.parseLong(group("^debugger_claims (\\d+)$", exec("hwbp:stats")));
    }

    /** Runs a command that starts a server; its port, remembered for the leak check. */
    private int listen(String command) {
        int port = Integer.parseInt(group("^listening on 127\\.0\\.0\\.1:(\\d+)", exec(command)));
        ports.add(port);
        return port;
    }

    /** gdb, x86-64, connected to 127.0.0.1:{@code port}, then {@code commands}, in the background. */
    private Process gdb(int port, Path out, String... commands) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(GDB.toString(), "-nx", "-batch",
                "-ex", "set architecture i386:x86-64", "-ex", "set pagination off", "-ex", "set confirm off",
                "-ex", "target remote 127.0.0.1:" + port));
        for (String c : commands) {
            cmd.add("-ex");
            cmd.add(c);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        gdbs.add(p);
        return p;
    }

    private Path output() throws IOException {
        Path p = ItTemp.file("gdb", ".out");
        outputs.add(p);
        return p;
    }

    private static String read(Path out) {
        try {
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until gdb printed {@code text}. */
    private static void awaitOutput(Path out, String text) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(GDB_TIMEOUT_S);
        while (!read(out).contains(text)) {
            if (System.nanoTime() > end) {
                fail("gdb did not print '" + text + "' within " + GDB_TIMEOUT_S + " s:\n" + read(out));
            }
            sleep(50);
        }
    }

    /** Waits until gdb exits; what it printed. */
    private static String awaitExit(Process p, Path out) throws InterruptedException {
        if (!p.waitFor(GDB_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail("gdb did not finish within " + GDB_TIMEOUT_S + " s:\n" + read(out));
        }
        return read(out);
    }

    /** Waits until the listing of {@code command} (ptrace:gdbserver, kvm:gdbstub) contains {@code text}. */
    private void awaitListing(String command, String text) {
        await("'" + text + "' in " + command, () -> exec(command).contains(text));
    }

    /** Waits until kgdb was entered {@code entries} times since the test began and gdb let the machine run. */
    private void awaitKgdbRunningAfter(int entries) {
        await("the machine running after the debugger's entry " + entries, () -> claims() == claims0 + entries
                && exec("kgdb:status").contains("not active (machine running)"));
    }

    /** Sends gdb SIGINT, as Ctrl-C in its terminal does. */
    private static void ctrlC(Process gdb) throws Exception {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(gdb.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0);
    }

    /** kill -9: gdb vanishes without a word to its stub. */
    private static void kill9(Process gdb) throws Exception {
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(gdb.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0);
        assertTrue(gdb.waitFor(10, TimeUnit.SECONDS));
    }

    private static List<String> gdbThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && (t.getName().startsWith("gdb-listen-") || t.getName().startsWith("gdb-session-"))) {
                names.add(t.getName());
            }
        }
        return names;
    }

    private static boolean refused(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            throw new AssertionError("connecting to port " + port + ": " + e, e);
        }
    }

    /**
     * What must be left once every gdb and stub is gone and the task and VM ended: a consistent core, no slot,
     * no server thread, every port of the test refusing connections.
     */
    private void assertNothingLeft() {
        assertEquals("ok", exec("hwbp:check"));
        assertEquals("false", exec("hwbp:used"));
        assertNoMatch("DEBUGGER|GUEST", exec("hwbp:cpus"));
        await("no gdb server thread left: " + gdbThreads(), () -> gdbThreads().isEmpty());
        for (int port : ports) {
            assertTrue("port " + port + " still accepts connections", refused(port));
        }
        assertEquals("no gdbserver", exec("ptrace:gdbserver"));
        assertEquals("no gdbstub", exec("kvm:gdbstub"));
        assertEquals("not listening", exec("kgdb:listen"));
    }

    // ------------------------------------------------------------------ tests

    /**
     * Under {@code debugger-priority}: the ptrace gdb watches the task's int and the kvm gdb has an
     * {@code hbreak} in the guest when the kgdb gdb connects (kgdb enters the debugger: both are told the CPUs
     * are claimed), sets three breakpoints and continues (both are told of the release; the task's watchpoint
     * fits beside them), is stopped by {@code kgdb:break}, sets a fourth, which under this policy takes the
     * task's slot (the ptrace gdb is told, kgdb's gdb sees its insertion succeed), and continues. The ptrace gdb,
     * interrupted, then cannot insert an {@code hbreak}: gdb prints the refusal naming kgdb's breakpoints as
     * the holders of every slot. Once kgdb's gdb detaches, the slot is given back, the task's watchpoint and the
     * guest's breakpoint fire in their gdbs.
     */
    @Test
    public void threeGdbsShareTheFourSlotsAndKgdbPreemptsTheTasksWatchpointSeenInBothDebuggers()
            throws Exception {
        assertEquals("policy debugger-priority", exec("hwbp:policy debugger-priority"));
        int ptracePort = listen("ptrace:gdbserver 0 " + task);
        int kvmPort = listen("kvm:gdbstub 0 " + vm);
        int kgdbPort = listen("kgdb:listen 0");

        Path ptraceOut = output();
        Process ptraceGdb = gdb(ptracePort, ptraceOut, "set breakpoint always-inserted on",
                "watch *(int *)" + DATA, "continue",
                // interrupted (Ctrl-C) while kgdb's four breakpoints hold every slot
                "hbreak *0x401000", "monitor slots", "delete 2", "continue", "detach");
        Path kvmOut = output();
        Process kvmGdb = gdb(kvmPort, kvmOut, "hbreak *0x401000", "continue", "p/x $rip", "detach");
        awaitListing("ptrace:gdbserver", "task running");
        awaitListing("kvm:gdbstub", "VM running");
        assertMatches("^1\\s+HOST\\s+1/4\\s+1\\s", exec("hwbp:cpus"));

        Path kgdbOut = output();
        Process kgdbGdb = gdb(kgdbPort, kgdbOut, "hbreak *" + KTEXT[0], "hbreak *" + KTEXT[1],
                "hbreak *" + KTEXT[2], "continue", "hbreak *" + KTEXT[3], "continue", "delete", "detach");
        awaitKgdbRunningAfter(1);
        awaitOutput(ptraceOut, "hwbp: CPUs 0-3 released: " + WATCH + " restored\n");
        // three of kgdb's and the task's watchpoint on CPU 1
        assertMatches("^1\\s+HOST\\s+4/4\\s+4\\s", exec("hwbp:cpus"));
        assertEquals("ok", exec("kgdb:break"));
        awaitKgdbRunningAfter(2);
        awaitOutput(ptraceOut, "hwbp: slot taken by the debugger (debugger-priority policy): " + WATCH
                + " suspended\n");
        String cpus = exec("hwbp:cpus");
        for (int cpu = 0; cpu < 4; cpu++) {
            assertMatches("^" + cpu + "\\s+HOST\\s+4/4\\s+4\\s", cpus);
        }
        assertMatches("preempted", exec("hwbp:list"));

        ctrlC(ptraceGdb);
        awaitOutput(ptraceOut, "Cannot insert hardware breakpoint 2");
        awaitListing("ptrace:gdbserver", "task running");
        assertEquals("ok", exec("kgdb:break"));
        String kgdb = awaitExit(kgdbGdb, kgdbOut);
        awaitOutput(ptraceOut, "restored\n");
        String trap = exec("sim:access --value 42 1 " + DATA + " 4 w");
        assertMatches("^#DB dr6=0xffff0ff1$", trap);
        assertMatches("^slot 0: bp \\d+ \\(org\\.hwbp\\.ptrace-client\\) task " + task + " triggered$", trap);
        String ptrace = awaitExit(ptraceGdb, ptraceOut);
        assertMatches("^exit debug #DB dr6=0xffff0ff1 pc=0x401000 ", exec("kvm:run " + vm + " 1 2 0x401000:1:x"));
        String kvm = awaitExit(kvmGdb, kvmOut);

        // kgdb's gdb: four hardware breakpoints inserted, none refused (under the linux policy the fourth
        // would find CPU 1's slots full), two stops
        for (int i = 0; i < 4; i++) {
            assertMatches("^Hardware assisted breakpoint " + (i + 1) + " at " + KTEXT[i] + "$", kgdb);
        }
        assertFalse(kgdb, kgdb.contains("Could not insert") || kgdb.contains("Cannot insert"));
        assertMatches("Thread \\d received signal SIGTRAP", kgdb);
        assertMatches("\\[Inferior 1 \\(Remote target\\) detached\\]", kgdb);

        // the ptrace gdb: the claim, the release, the preemption, the refusal naming the holders, the slot
        // given back and the hit
        assertMatches("^hwbp: CPUs 0-3 claimed by the debugger \\(kgdb\\): " + WATCH.replace("(", "\\(")
                .replace(")", "\\)") + " suspended$", ptrace);
        String refusal = group("^(Cannot insert hardware breakpoint 2:Remote failure reply: ENOSPC: .*)$", ptrace);
        assertMatches("org\\.hwbp\\.kgdb-client", refusal);
        assertMatches("^hwbp: CPU 1 \\(held by HOST\\) slots 4 in use: .*org\\.hwbp\\.kgdb-client", ptrace);
        assertMatches("^hwbp: slot given back: " + WATCH.replace("(", "\\(").replace(")", "\\)") + " restored$",
                ptrace);
        assertMatches("Hardware watchpoint 1: \\*\\(int \\*\\)" + DATA + "\\s+Old value = 7\\s+New value = 42",
                ptrace);
        assertMatches("\\[Inferior 1 \\(Remote target\\) detached\\]", ptrace);
        // the ordering the user sees: claimed, released, taken, refused, given back, hit
        int claimed = ptrace.indexOf("claimed by the debugger");
        int released = ptrace.indexOf("released: ");
        int taken = ptrace.indexOf("slot taken");
        int refused = ptrace.indexOf("Cannot insert hardware breakpoint 2");
        int back = ptrace.indexOf("slot given back");
        int hit = ptrace.indexOf("New value = 42");
        assertTrue(ptrace, claimed < released && released < taken && taken < refused && refused < back
                && back < hit);

        // the kvm gdb: told of both claims and releases while it waited, then its breakpoint hit on vCPU 1
        assertMatches("^hwbp: CPUs 0-3 claimed by the debugger \\(kgdb\\): the guest's hardware breakpoints"
                + " cannot fire there$", kvm);
        assertMatches("^hwbp: CPUs 0-3 released: the guest's hardware breakpoints fire again$", kvm);
        assertMatches("Thread 2 hit Breakpoint 1, 0x0000000000401000 in \\?\\? \\(\\)", kvm);
        assertMatches("^\\$1 = 0x401000$", kvm);

        exec("ptrace:gdbserver --stop " + task);
        exec("kvm:gdbstub --stop " + vm);
        exec("kgdb:listen --stop");
        exec("sim:exit " + task);
        exec("kvm:destroy " + vm);
        assertNothingLeft();
    }

    /**
     * Faults with three gdbs connected: the kvm gdb and the kgdb gdb are killed with SIGKILL while their
     * targets run with their breakpoints in (each session ends as a detach: the guest's breakpoint no longer
     * fires, kgdb's entries are free, the stubs listen on for the next gdb); a second kvm gdb sees its VM
     * destroyed ({@code W00}); the ptrace gdb sees its task exit ({@code W}). The servers of the VM and of the
     * task go with them; once kgdb stops listening nothing is left.
     */
    @Test
    public void aKilledGdbIsADetachAndATaskExitingOrAVmDestroyedUnderGdbEndsItsSessionAndItsServer()
            throws Exception {
        int ptracePort = listen("ptrace:gdbserver 0 " + task);
        int kvmPort = listen("kvm:gdbstub 0 " + vm);
        int kgdbPort = listen("kgdb:listen 0");
        Path ptraceOut = output();
        Process ptraceGdb = gdb(ptracePort, ptraceOut, "set breakpoint always-inserted on",
                "watch *(int *)" + DATA, "continue", "info threads");
        Path kvmOut = output();
        Process kvmGdb = gdb(kvmPort, kvmOut, "set breakpoint always-inserted on", "hbreak *0x401000", "continue");
        Path kgdbOut = output();
        Process kgdbGdb = gdb(kgdbPort, kgdbOut, "hbreak *" + KTEXT[0], "continue");
        awaitListing("ptrace:gdbserver", "task running");
        awaitListing("kvm:gdbstub", "VM running");
        awaitKgdbRunningAfter(1);
        assertMatches("installed cpus 0,1,2,3", exec("kgdb:status"));
        assertMatches("^guest_debug 0x20001$", exec("kvm:vcpu " + vm + " 1"));

        kill9(kvmGdb);
        // the session ended as a detach; the stub listens on
        await("the killed kvm gdb's session ended",
                () -> exec("kvm:gdbstub").equals("VM " + vm + ": listening on 127.0.0.1:" + kvmPort));
        assertMatches("^guest_debug 0x0$", exec("kvm:vcpu " + vm + " 1"));
        assertMatches("^exit hlt ", exec("kvm:run " + vm + " 1 2 0x401000:1:x"));

        kill9(kgdbGdb);
        await("the killed kgdb gdb's session ended", () -> exec("kgdb:listen").endsWith("no gdb connected"));
        assertEquals("", kgdbEntries(exec("kgdb:status")).replaceAll("bp \\d: free\n", ""));
        assertEquals("no trap", exec("sim:access --kernel 0 " + KTEXT[0] + " 1 x"));

        // the stub listens on: a second gdb, and the VM destroyed under it
        Path kvmOut2 = output();
        Process kvmGdb2 = gdb(kvmPort, kvmOut2, "hbreak *0x401000", "continue", "info threads");
        awaitListing("kvm:gdbstub", "VM running");
        exec("kvm:destroy " + vm);
        String kvm = awaitExit(kvmGdb2, kvmOut2);
        assertMatches("^\\[Inferior 1 \\(Remote target\\) exited normally\\]$", kvm);
        assertMatches("^No threads\\.$", kvm);
        assertEquals("no gdbstub", exec("kvm:gdbstub"));

        exec("sim:exit " + task);
        String ptrace = awaitExit(ptraceGdb, ptraceOut);
        assertMatches("^\\[Inferior 1 \\(Remote target\\) exited normally\\]$", ptrace);
        assertMatches("^No threads\\.$", ptrace);
        await("the task's gdbserver gone", () -> exec("ptrace:gdbserver").equals("no gdbserver"));

        exec("kgdb:listen --stop");
        assertNothingLeft();
    }

    /**
     * A stub with no gdb connected goes with what it serves, as gdbserver exits with its inferior and QEMU's
     * gdbstub with the VM: nothing listens on their ports any more.
     */
    @Test
    public void aServerWithNoGdbConnectedGoesWithItsTaskOrVm() {
        listen("ptrace:gdbserver 0 " + task);
        listen("kvm:gdbstub 0 " + vm);
        exec("sim:exit " + task);
        await("the task's gdbserver gone", () -> exec("ptrace:gdbserver").equals("no gdbserver"));
        exec("kvm:destroy " + vm);
        assertEquals("no gdbstub", exec("kvm:gdbstub"));
        assertNothingLeft();
    }

    /**
     * A VM's guest memory survives an update of kvm-client (kept with the VMs' state in its data area): a value
     * the guest wrote before is what gdb reads through the updated client's stub.
     */
    @Test
    public void guestMemoryIsKeptAcrossAnUpdateOfKvmClient() throws Exception {
        assertMatches("^exit hlt ", exec("kvm:run " + vm + " 0 2 0x2000:4:w=0x11223344 0x2ffe:4:w=0x55667788"));
        assertMatches("ACTIVE", exec("hwbp:client " + KVM + " update"));
        awaitClients();
        int port = listen("kvm:gdbstub 0 " + vm);
        Path out = output();
        String gdb = awaitExit(gdb(port, out, "x/4xb 0x2000", "x/4xb 0x2ffe", "detach"), out);
        assertMatches("^0x2000:\\s+0x44\\s+0x33\\s+0x22\\s+0x11$", gdb);
        assertMatches("^0x2ffe:\\s+0x88\\s+0x77\\s+0x66\\s+0x55$", gdb);
        exec("kvm:gdbstub --stop " + vm);
        exec("kvm:destroy " + vm);
        exec("sim:exit " + task);
        assertNothingLeft();
    }
}
