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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * The built-in demo and every committed scenario file, run by the executable runtime jar exactly as
 * {@code ./sandbox demo} and {@code ./sandbox run FILE} run them: one fresh JVM each, no terminal. Each must
 * print no {@code FAILED:} line, end with {@code N passed, 0 failed} and exit 0, and print exactly the transcript
 * kept in {@code src/test/resources/transcripts/NAME.txt}: a scenario's transcript is the same on every run (product
 * section 4, determinism), so any change of behaviour or output shows up here as a difference. After an intended
 * change of output, regenerate a golden file with {@code ./sandbox run runtime/scenarios/NAME.hwbp > ...}.
 */
public class ScenarioFilesIT {
    private static final Path RUNTIME = Path.of(System.getProperty("user.dir"));
    private static final Path JAR = RUNTIME.resolve("target/hwbp-sandbox.jar");
    private static final Pattern SUMMARY = Pattern.compile("(?m)^(\\d+) passed, (\\d+) failed$");

    record Run(int status, String transcript) {
    }

    /** Runs the jar in script mode; {@code properties} ({@code key=value}) are passed as system properties. */
    static Run launch(String mode, String args, String... properties) throws IOException, InterruptedException {
        Path bundles = ItTemp.dir("hwbp-it-bundles");
        Path storage = ItTemp.dir("hwbp-it-felix");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfelix.fileinstall.dir=" + bundles,
                "-Dorg.osgi.framework.storage=" + storage,
                "-Dgosh.args=--nointeractive",
                "-Dorg.jline.terminal.dumb=true",
                "-Dgosh.home=" + RUNTIME.resolve("gosh-noterminal"),
                // A fresh JVM's first callback on a loaded machine is slow, not blocked: the transcript must not
                // depend on the machine's load (the core's 200 ms default printed a fault line at load 12).
                "-Dhwbp.callback.timeout.ms=10000",
                "-Dhwbp.script.mode=" + mode,
                "-Dhwbp.script.args=" + args));
        for (String p : properties) {
            cmd.add("-D" + p);
        }
        cmd.addAll(List.of("-jar", JAR.toString()));
        Path out = ItTemp.file("hwbp-it", ".txt");
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(mode + " " + args + " did not end within 180 s:\n" + Files.readString(out));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private static final Path GOLDEN = RUNTIME.resolve("src/test/resources/transcripts");

    /** The transcript is the one recorded for this file, byte for byte. */
    static void assertGolden(String name, Run r) throws IOException {
        Path golden = GOLDEN.resolve(name + ".txt");
        assertTrue("a golden transcript " + golden + " exists", Files.isRegularFile(golden));
        assertEquals(name + ": transcript differs from " + golden, Files.readString(golden, StandardCharsets.UTF_8),
                r.transcript());
    }

    /**
     * The run printed no {@code FAILED:} line, exactly one summary line, {@code N passed, 0 failed}, as its last
     * line with N the exact number of expectations, and exited 0: an expectation the runner skipped or counted
     * twice changes N.
     */
    private static void assertAllPassed(String what, Run r, int expectations) {
        assertFalse(what + " printed FAILED:\n" + r.transcript(), r.transcript().contains("FAILED:"));
        Matcher m = SUMMARY.matcher(r.transcript());
        assertTrue(what + " printed no summary line:\n" + r.transcript(), m.find());
        String summary = m.group();
        assertEquals(what + " summary", expectations + " passed, 0 failed", summary);
        assertFalse(what + " printed a second summary line:\n" + r.transcript(), m.find());
        assertTrue(what + ": the summary is the last line", r.transcript().endsWith(summary + "\n"));
        assertEquals(what + " exit status\n" + r.transcript(), 0, r.status());
    }

    /**
     * The expectations a scenario file holds, counted the way product section 4 defines a line: blank lines and
     * comments (first non-blank character {@code #}) are no lines, and a line expects something when it carries
     * {@code " => "} (or ends with {@code " =>"}, a malformed expectation that still counts).
     */
    private static int expectationsIn(List<String> scenarioLines) {
        int n = 0;
        for (String raw : scenarioLines) {
            String t = raw.strip();
            if (!t.isEmpty() && !t.startsWith("#") && (t.contains(" => ") || t.endsWith(" =>"))) {
                n++;
            }
        }
        return n;
    }

    /**
     * The expectations among the lines a transcript echoes ({@code hwbp> } followed by the line as written): the
     * demo's script is a resource of the bundle that runs it, so its own echo is where the test reads it.
     */
    private static int echoedExpectations(Run r) {
        List<String> echoed = new ArrayList<>();
        for (String line : r.transcript().split("\n", -1)) {
            if (line.startsWith(ECHO)) {
                echoed.add(line.substring(ECHO.length()));
            }
        }
        return expectationsIn(echoed);
    }

    private static final String ECHO = "hwbp> ";

    @Test
    public void theDemoTellsTheStoryAndPasses() throws Exception {
        Run r = launch("demo", "");
        int expectations = echoedExpectations(r);
        assertTrue("the demo echoes expectations", expectations > 0);
        assertAllPassed("demo", r, expectations);
        assertGolden("demo", r);
        for (String shown : List.of("hwbp> kgdb:break", "hwbp> kvm:run", "hwbp> ptrace:poke", "hwbp> hwbp:client")) {
            assertTrue("the demo shows " + shown, r.transcript().contains(shown));
        }
    }

    @Test
    public void everyScenarioFilePasses() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(RUNTIME.resolve("scenarios"))) {
            files = s.filter(f -> f.toString().endsWith(".hwbp")).sorted().toList();
        }
        assertTrue("scenario files found", files.size() >= 5);
        for (Path f : files) {
            String name = f.getFileName().toString();
            int expectations = expectationsIn(Files.readAllLines(f, StandardCharsets.UTF_8));
            assertTrue(name + " has expectations", expectations > 0);
            Run r = launch("run", f.toAbsolutePath().toString());
            assertEquals(name + ": expectation lines echoed", expectations, echoedExpectations(r));
            assertAllPassed(name, r, expectations);
            assertGolden(name.substring(0, name.length() - ".hwbp".length()), r);
        }
    }

    @Test
    public void aWrongExpectationFailsTheRun() throws Exception {
        Path f = ItTemp.file("wrong", ".hwbp");
        Files.writeString(f, "sim:task\nhwbp:register --task 1 0x601000 4 w => ENOSPC\nhwbp:used => /true/\n");
        Run r = launch("run", f.toString());
        assertTrue(r.transcript(), r.transcript().contains("FAILED: expected ENOSPC, got ok"));
        assertTrue(r.transcript(), r.transcript().contains("1 passed, 1 failed"));
        assertEquals(1, r.status());
    }
}
