package org.hwbp.api.gdb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Debian's gdb 13 against {@link TestTarget} through a {@link GdbServer}: what gdb prints is what is asserted. */
class RealGdbTest {
    private TestTarget target;
    private GdbServer server;

    @BeforeEach
    void listen() {
        target = new TestTarget(4);
        server = GdbServer.listen(0, target);
    }

    @AfterEach
    void close() {
        server.close();
    }

    @Test
    void connectsWithoutWarnings() throws Exception {
        String out = Gdb.run(server.port(), "info threads", "x/4xb 0x1000", "p/x $dr7", "p/x $rip", "detach");
        System.out.println(out);
        assertThat(out).doesNotContain("warning");
    }
}
