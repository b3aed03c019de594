package org.hwbp.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class InitramfsTest {

    record Entry(String name, int mode, String data) {
    }

    /** Reads a newc archive back as the kernel's unpacker does: 110-byte header, name, data, each 4-aligned. */
    private static List<Entry> read(byte[] gz) throws Exception {
        byte[] b = new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes();
        List<Entry> out = new ArrayList<>();
        int p = 0;
        while (true) {
            String h = new String(b, p, 110, StandardCharsets.US_ASCII);
            assertThat(h).startsWith("070701");
            int mode = Integer.parseInt(h.substring(14, 22), 16);
            int size = Integer.parseInt(h.substring(54, 62), 16);
            int nameSize = Integer.parseInt(h.substring(94, 102), 16);
            String name = new String(b, p + 110, nameSize - 1, StandardCharsets.UTF_8);
            assertThat(b[p + 110 + nameSize - 1]).isZero();
            p = (p + 110 + nameSize + 3) & ~3;
            String data = new String(b, p, size, StandardCharsets.UTF_8);
            p = (p + size + 3) & ~3;
            if (name.equals("TRAILER!!!")) {
                assertThat(p).isEqualTo(b.length);
                return out;
            }
            out.add(new Entry(name, mode, data));
        }
    }

    @Test
    void theArchiveHoldsTheInitProgramAndTheScenariosInNewcFormat() throws Exception {
        byte[] gz = new Initramfs().file("init", 0755, "ELF!".getBytes(StandardCharsets.UTF_8))
                .directory("scenarios")
                .file("scenarios/a.hwbp", 0644, "sim:task a\n".getBytes(StandardCharsets.UTF_8))
                .file("scenarios/ORDER", 0644, "a.hwbp\n".getBytes(StandardCharsets.UTF_8)).gzip();
        assertThat(read(gz)).containsExactly(
                new Entry("init", 0100755, "ELF!"),
                new Entry("scenarios", 0040755, ""),
                new Entry("scenarios/a.hwbp", 0100644, "sim:task a\n"),
                new Entry("scenarios/ORDER", 0100644, "a.hwbp\n"));
    }
}
