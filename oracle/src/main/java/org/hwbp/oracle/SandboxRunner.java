package org.hwbp.oracle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The sandbox's side: {@code ./sandbox --cpus N run FILE} for each file (a fresh runtime per file, as the launcher
 * gives it), its transcript cut into the output of each step. Two files run at a time.
 */
public final class SandboxRunner {

    private final Path launcher;
    private final int cpus;

    public SandboxRunner(Path launcher, int cpus) {
        this.launcher = launcher;
        this.cpus = cpus;
    }

    /** Per file, per step, the lines the sandbox printed. */
    public List<List<List<String>>> run(List<Path> files) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<String>> runs = new ArrayList<>();
            for (Path f : files) {
                runs.add(pool.submit(() -> Processes.run(List.of(launcher.toString(), "--cpus", Integer.toString(cpus),
                        "run", f.toString()), null, Map.of(), 1800, false)));
            }
            List<List<List<String>>> out = new ArrayList<>();
            for (Future<String> r : runs) {
                out.add(SandboxTranscript.parse(r.get()));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
