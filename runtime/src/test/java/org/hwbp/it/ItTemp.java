package org.hwbp.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Temporary files and folders of the integration tests, deleted when the test JVM ends: every launched runtime
 * has a Felix storage folder of its own, and OneRuntimeIdentityIT alone launches about 200 of them.
 */
final class ItTemp {
    private static final List<Path> CREATED = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ItTemp::deleteAll, "hwbp-it-temp-cleanup"));
    }

    private ItTemp() {
    }

    static Path dir(String prefix) throws IOException {
        return created(Files.createTempDirectory(prefix));
    }

    static Path file(String prefix, String suffix) throws IOException {
        return created(Files.createTempFile(prefix, suffix));
    }

    private static Path created(Path p) {
        synchronized (CREATED) {
            CREATED.add(p);
        }
        return p;
    }

    private static void deleteAll() {
        List<Path> all;
        synchronized (CREATED) {
            all = new ArrayList<>(CREATED);
        }
        for (Path root : all) {
            try (Stream<Path> tree = Files.walk(root)) {
                tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | RuntimeException e) {
                // already gone, or a runtime still writing into it: nothing more to do at exit
            }
        }
    }
}
