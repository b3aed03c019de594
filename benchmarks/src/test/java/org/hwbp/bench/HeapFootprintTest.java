package org.hwbp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Performance goal "100 000 tasks with 4 breakpoints each fit in a 256 MB heap": runs {@link HeapFootprint}
 * in its own JVM with -Xmx256m (an OutOfMemoryError there fails this test) and prints what it measured.
 */
class HeapFootprintTest {

    @Test
    void hundredThousandTasksWithFourBreakpointsFitIn256Mb() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                HeapFootprint.class.getName(), "100000", "4"))
                .redirectErrorStream(true)
                .start();
        boolean exited = p.waitFor(5, TimeUnit.MINUTES);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!exited) {
            p.destroyForcibly();
        }
        System.out.println("[HeapFootprint, -Xmx256m]\n" + out);
        assertTrue(exited, "the -Xmx256m JVM did not finish in 5 minutes:\n" + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("accounting-bytes=") && out.contains("core-bytes=") && out.strip().endsWith("ok"), out);
    }
}
