package org.hwbp.oracle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a tool and returns what it printed; a tool that fails or overruns is an {@link IOException}. */
final class Processes {

    private Processes() {
    }

    static String run(List<String> command, Path dir, Map<String, String> env, long timeoutSeconds)
            throws IOException {
        return run(command, dir, env, timeoutSeconds, true);
    }

    /** As {@link #run(List, Path, Map, long)}; with {@code check} false an exit status other than 0 is no error. */
    static String run(List<String> command, Path dir, Map<String, String> env, long timeoutSeconds, boolean check)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                out.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("(output lost: ").append(e.getMessage()).append(')');
            }
        });
        reader.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": stopped after " + timeoutSeconds + " s");
            }
            reader.join();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (check && p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit status " + p.exitValue() + "\n" + out);
        }
        return out.toString();
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Path.of(d, tool).toFile().canExecute()) {
                return true;
            }
        }
        return false;
    }
}
