package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * Issue 19 item 5 and issue 17 item 5: the runtime runs with up to 1024 CPUs (every command, kgdb claiming all
 * 1024, {@code hwbp:cpus} readable), and a count out of range is refused in one line by the launcher and by the
 * core (the system property the launcher would pass), never leaving a runtime without commands.
 */
public class ManyCpusIT {
    private static final Path RUNTIME = Path.of(System.getProperty("user.dir"));
    private static final Path JAR = RUNTIME.resolve("target/hwbp-sandbox.jar");

    private record Run(int status, String out, String err) {
    }

    private static Run launch(List<String> cmd) throws IOException, InterruptedException {
        Path out = ItTemp.file("hwbp-it", ".out");
        Path err = ItTemp.file("hwbp-it", ".err");
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not end within 300 s:\n" + Files.readString(out));
        }
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    private static Run commands(String cpus, String commands, String... properties)
            throws IOException, InterruptedException {
        Path bundles = ItTemp.dir("hwbp-it-bundles");
        Path storage = ItTemp.dir("hwbp-it-felix");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dhwbp.cpus=" + cpus,
                "-Dfelix.fileinstall.dir=" + bundles,
                "-Dorg.osgi.framework.storage=" + storage,
                "-Dgosh.args=--nointeractive",
                "-Dorg.jline.terminal.dumb=true",
                "-Dgosh.home=" + RUNTIME.resolve("gosh-noterminal"),
                "-Dhwbp.script.mode=command",
                "-Dhwbp.script.args=" + commands));
        cmd.addAll(List.of(properties));
        cmd.addAll(List.of("-jar", JAR.toString()));
        return launch(cmd);
    }

    @Test
    public void everyCommandWorksOn1024Cpus() throws Exception {
        String script = String.join("; ",
                "hwbp:cpus => /^1023 +HOST +0\\/4 /",
                "sim:task app => /^task 1$/",
                "sim:switch 1023 1 => ok",
                "hwbp:register --cpu 1023 0x601000 4 w => /^bp 1$/",
                "hwbp:register --task 1 0x601008 4 rw => /^bp 2$/",
                "kgdb:packet Z2,ffffffff82001000,4 => /^OK$/",
                "kgdb:break => ok",
                "hwbp:events 10 => /claim cpus=0-1023 holder=DEBUGGER/",
                "kgdb:status => /^holders: 0=DEBUGGER .* 1023=DEBUGGER$/",
                "hwbp:cpus => /^1023 +DEBUGGER /",
                "kgdb:continue => ok",
                "hwbp:wide 0xffffffff82003000 8 w => /^wide 3$/",
                "kgdb:status => /^bp 0: w 0xffffffff82001000 len 4 reserved cpus 0,1,2,.*,1023 installed cpus 0,1,.*,1023$/",
                "hwbp:regs 1023 => /^DR0 0x601000 (.|\\n)*^DR\\d 0xffffffff82001000 (.|\\n)*^DR\\d 0xffffffff82003000 /",
                "sim:access 1023 0x601002 2 w => /slot 0: bp 1 \\(org.hwbp.shell\\)/",
                "ptrace:attach 1 => ok",
                "ptrace:peek 1 dr7 => /^0x0$/",
                "kvm:create => /^vm 1$/",
                "kvm:run 1 0 1023 => /^exit hlt /",
                "hwbp:stats => /^cpu1023 dr_reads \\d+ dr_writes \\d+$/",
                "hwbp:check => ok",
                "hwbp:used => /^true$/");
        Run r = commands("1024", script);
        assertFalse(r.out(), r.out().contains("FAILED:"));
        assertTrue(r.out(), r.out().endsWith("22 passed, 0 failed\n"));
        assertEquals(r.out() + r.err(), 0, r.status());
        assertEquals("the CPU table lists every CPU", 1024,
                r.out().lines().filter(l -> l.matches("^\\d+ +DEBUGGER .*")).count());
    }

    /** -Dhwbp.cpus out of range (java -jar without the launcher): one line, and a runtime with its commands. */
    @Test
    public void theCoreRefusesACountOutOfRangeInOneLineAndKeepsItsCommands() throws Exception {
        for (String bad : List.of("1025", "0", "many")) {
            Run r = commands(bad, "hwbp:cpus => /^3 +HOST/; hwbp:used => /^false$/");
            assertEquals(r.out(), "hwbp: EINVAL: hwbp.cpus: cpus must be 1..1024, not '" + bad
                    + "'; the machine keeps 4 CPUs\n", r.err().lines().filter(l -> l.contains("cpus must be"))
                    .map(l -> l + "\n").reduce("", String::concat));
            assertTrue(r.out(), r.out().endsWith("2 passed, 0 failed\n"));
            assertEquals(r.out(), 0, r.status());
        }
    }

    /** A callback timeout that is no positive number: one line, the default, and a runtime with its commands. */
    @Test
    public void aCallbackTimeoutThatIsNoPositiveNumberIsRefusedInOneLine() throws Exception {
        for (String bad : List.of("0", "-5", "soon")) {
            Run r = commands("4", "hwbp:used => /^false$/", "-Dhwbp.callback.timeout.ms=" + bad);
            assertEquals(r.out(), "hwbp: EINVAL: hwbp.callback.timeout.ms must be a positive number of milliseconds,"
                    + " not '" + bad + "'; 200 ms\n", r.err().lines().filter(l -> l.contains("callback.timeout"))
                    .map(l -> l + "\n").reduce("", String::concat));
            assertTrue(r.out(), r.out().endsWith("1 passed, 0 failed\n"));
        }
    }

    /** The launcher refuses in one line, before building or starting anything. */
    @Test
    public void theLauncherRefusesACountOutOfRangeInOneLine() throws Exception {
        String sandbox = RUNTIME.getParent().resolve("sandbox").toString();
        for (String bad : List.of("1025", "0", "-1", "4x", "00004")) {
            Run r = launch(List.of(sandbox, "--cpus", bad, "-c", "hwbp:used"));
            assertEquals("sandbox: --cpus must be 1..1024, not '" + bad + "'\n", r.err());
            assertEquals("", r.out());
            assertEquals(2, r.status());
        }
    }
}
