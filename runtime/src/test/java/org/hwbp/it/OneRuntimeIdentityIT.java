package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * Issue 19 item 1: {@code ./sandbox run FILE...} runs every file in one runtime with a reset between files, and
 * each file's transcript is byte for byte what a fresh runtime prints for it. The files: every committed scenario
 * file (whose fresh transcripts are the golden files ScenarioFilesIT checks) and {@value #GENERATED} files of
 * {@link ScenarioGenerator} (each also run in a fresh JVM of its own, the reference), interleaved, so that every
 * file follows others that left tasks, breakpoints, a held machine, VMs, traced tasks, a changed policy or stopped
 * bundles behind. {@code swap-clients.hwbp} reinstalls a bundle: the files after it must continue in a fresh JVM
 * (exit status 75 and the progress file, as the launcher does), with the counts carried over.
 */
public class OneRuntimeIdentityIT {
    private static final Path RUNTIME = Path.of(System.getProperty("user.dir"));
    private static final Path JAR = RUNTIME.resolve("target/hwbp-sandbox.jar");
    private static final Path GOLDEN = RUNTIME.resolve("src/test/resources/transcripts");
    private static final int GENERATED = 200;
    private static final int STEPS = 80;
    private static final long SEED = 0x19;
    private static final Pattern SUMMARY = Pattern.compile("^(\\d+) passed, (\\d+) failed$");
    private static final int CONTINUE_IN_NEW_JVM = 75;

    private record Run(int status, String transcript) {
    }

    private static Run launch(String args, Path progress) throws IOException, InterruptedException {
        Path bundles = ItTemp.dir("hwbp-it-bundles");
        Path storage = ItTemp.dir("hwbp-it-felix");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-Dfelix.fileinstall.dir=" + bundles,
                "-Dorg.osgi.framework.storage=" + storage,
                "-Dgosh.args=--nointeractive",
                "-Dorg.jline.terminal.dumb=true",
                "-Dgosh.home=" + RUNTIME.resolve("gosh-noterminal"),
                // A fresh JVM's first callback on a loaded machine is slow, not blocked: the transcript must not
                // depend on the machine's load (the core's 200 ms default printed a fault line at load 12).
                "-Dhwbp.callback.timeout.ms=10000",
                "-Dhwbp.script.mode=run",
                "-Dhwbp.script.args=" + args));
        if (progress != null) {
            cmd.add("-Dhwbp.script.progress=" + progress);
        }
        cmd.addAll(List.of("-jar", JAR.toString()));
        Path out = ItTemp.file("hwbp-it", ".txt");
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(out.toFile())
                .start();
        if (!p.waitFor(900, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("run " + args + " did not end within 900 s:\n" + Files.readString(out));
        }
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        Files.delete(out);
        return r;
    }

    @Test
    public void everyFileInOneRuntimePrintsWhatAFreshRuntimePrints() throws Exception {
        List<Path> committed;
        try (Stream<Path> s = Files.list(RUNTIME.resolve("scenarios"))) {
            committed = new ArrayList<>(s.filter(f -> f.toString().endsWith(".hwbp")).sorted().toList());
        }
        Path swap = RUNTIME.resolve("scenarios/swap-clients.hwbp");
        assertTrue("swap-clients.hwbp is among them", committed.remove(swap));
        committed.add(committed.size() / 2, swap);
        assertTrue("scenario files found", committed.size() >= 10);
        Path dir = ItTemp.dir("hwbp-identity");
        List<Path> generated = ScenarioGenerator.write(dir, GENERATED, STEPS, SEED);

        // Interleaved: a committed file after every few generated ones, swap-clients (a reinstall) in the middle.
        List<Path> order = new ArrayList<>();
        int every = GENERATED / committed.size();
        for (int i = 0; i < GENERATED; i++) {
            order.add(generated.get(i));
            if (i % every == every - 1 && i / every < committed.size()) {
                order.add(committed.get(i / every));
            }
        }
        assertEquals(GENERATED + committed.size(), order.size());

        // One runtime (and a fresh JVM after a bundle reinstall, as the launcher does).
        Path progress = ItTemp.file("hwbp-progress", ".txt");
        StringBuilder oneRuntime = new StringBuilder();
        String joined = String.join(File.pathSeparator, order.stream().map(Path::toString).toList());
        long t0 = System.nanoTime();
        int jvms = 0;
        Run r;
        do {
            r = launch(joined, progress);
            jvms++;
            oneRuntime.append(r.transcript());
        } while (r.status() == CONTINUE_IN_NEW_JVM);
        long oneRuntimeMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue("a reinstall sends the rest of the run to a new JVM: " + jvms + " JVMs", jvms >= 2);

        Map<String, String> parts = split(oneRuntime.toString(), order.size());
        String[] all = oneRuntime.toString().split("\n");
        String total = all[all.length - 1];

        // The references: the golden files, and a fresh JVM for each generated file.
        Map<Path, Future<Run>> fresh = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        long t1 = System.nanoTime();
        try {
            for (Path g : generated) {
                fresh.put(g, pool.submit(() -> launch(g.toString(), null)));
            }
            int passed = 0;
            int failed = 0;
            long steps = 0;
            for (Path f : order) {
                String expected = committed.contains(f)
                        ? Files.readString(GOLDEN.resolve(f.getFileName().toString().replace(".hwbp", ".txt")))
                        : fresh.get(f).get(900, TimeUnit.SECONDS).transcript();
                String got = parts.get(f.toString());
                assertEquals(f + ": the transcript in one runtime differs from a fresh runtime's", expected, got);
                Matcher m = SUMMARY.matcher(got.substring(got.stripTrailing().lastIndexOf('\n') + 1).strip());
                assertTrue(f + " ends with its counts", m.matches());
                passed += Integer.parseInt(m.group(1));
                failed += Integer.parseInt(m.group(2));
                steps += got.lines().filter(l -> l.startsWith("hwbp> ")).count();
            }
            assertEquals("the last line adds up the files' counts", passed + " passed, " + failed + " failed", total);
            assertEquals("status", failed == 0 ? 0 : 1, r.status());
            System.out.printf("OneRuntimeIdentityIT: %d files (%d generated, %d committed), %d steps, identical; "
                    + "one runtime (%d JVMs) %d ms, fresh JVMs for the generated files %d ms%n", order.size(),
                    GENERATED, committed.size(), steps, jvms, oneRuntimeMs, (System.nanoTime() - t1) / 1_000_000);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The transcript of each file, after its {@code == FILE} line; the last line (the total) is left out. */
    private static Map<String, String> split(String output, int files) {
        Map<String, String> parts = new LinkedHashMap<>();
        String current = null;
        StringBuilder b = new StringBuilder();
        List<String> lines = new ArrayList<>(List.of(output.split("\n", -1)));
        assertEquals("the output ends with a newline", "", lines.remove(lines.size() - 1));
        lines.remove(lines.size() - 1); // the total
        for (String line : lines) {
            if (line.startsWith("== ")) {
                if (current != null) {
                    parts.put(current, b.toString());
                }
                current = line.substring(3);
                b.setLength(0);
            } else {
                assertTrue("output before the first header: " + line, current != null);
                b.append(line).append('\n');
            }
        }
        parts.put(current, b.toString());
        assertEquals("one header per file", files, parts.size());
        return parts;
    }
}
