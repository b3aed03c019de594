package org.hwbp.api.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hwbp.api.gdb.PacketFuzz.awaitNoPeer;
import static org.hwbp.api.gdb.PacketFuzz.frame;
import static org.hwbp.api.gdb.PacketFuzz.mark;
import static org.hwbp.api.gdb.PacketFuzz.mutate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.hwbp.api.gdb.PacketFuzz.Connection;

import org.junit.jupiter.api.Test;

/**
 * 100 000 random and mutated packets over a socket against {@link TestTarget}: no exception escapes a server
 * thread, every session that gdb's D, k or a mutation of them ended is ended with exactly one hook, and the
 * server still serves a well-behaved gdb afterwards.
 */
class GdbServerFuzzTest {
    private static final int PACKETS = 100_000;
    private static final int BATCH = 100;
    private static final List<String> SEEDS = List.of("?", "g", "G" + "00".repeat(8), "p10", "P0=0100000000000000",
            "m1000,10", "mffffffff81000000,8", "M1000,4:01020304", "X1000,2:ab", "Z1,ffffffff81000010,1",
            "z1,ffffffff81000010,1", "Z2,1000,4", "z2,1000,4", "Z3,1008,8", "Z4,100c,2", "c", "s", "vCont;c",
            "vCont;s:2;c", "vCont?", "Hg1", "Hc-1", "T2", "qC", "qfThreadInfo", "qsThreadInfo", "qThreadExtraInfo,1",
            "qAttached", "qSupported:swbreak+;hwbreak+", "qXfer:features:read:target.xml:0,400",
            "qRcmd," + Hex.encode("cpus"), "QStartNoAckMode", "vMustReplyEmpty", "qTStatus", "D", "k", "vKill;1");

    @Test
    void randomAndMutatedPacketsNeitherThrowNorStopTheServer() throws Exception {
        Queue<Throwable> escaped = new ConcurrentLinkedQueue<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> escaped.add(e));
        TestTarget target = new TestTarget(4);
        GdbServer server = GdbServer.listen(0, target);
        Random random = new Random(15);
        int connections = 0;
        long served = 0;
        try {
            Connection c = null;
            long sent = 0;
            int batch = 0;
            // a batch counts once the server answered the monitor command sent after it: 100 000 packets served
            while (served < PACKETS) {
                if (c == null || c.closed()) {
                    if (c != null) {
                        c.close();
                    }
                    awaitNoPeer(server);
                    c = new Connection(server.port());
                    connections++;
                    batch = 0;
                }
                try {
                    c.out(next(random));
                    sent++;
                    if (++batch == BATCH) {
                        String mark = mark(sent);
                        // "#00" first closes a packet that a stray '$' may have left open (as bad, or garbage)
                        c.out("#00".getBytes(StandardCharsets.ISO_8859_1));
                        c.out(frame(("qRcmd," + Hex.encode("echo " + mark)).getBytes(StandardCharsets.ISO_8859_1),
                                true));
                        if (c.await(Hex.encode(mark))) {
                            served += batch;
                        }
                        batch = 0;
                    }
                } catch (IOException e) {
                    c.close(); // the session ended under us (a D or k went through); reconnect
                    c = null;
                }
            }
            if (c != null) {
                c.close();
            }
            awaitNoPeer(server);
            try (RawClient gdb = new RawClient(server.port())) {
                assertThat(gdb.ask("qfThreadInfo")).isEqualTo("m1,2,3,4");
                assertThat(gdb.ask("D")).isEqualTo("OK");
            }
        } finally {
            server.close();
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertThat(escaped).isEmpty();
        assertThat(connections).isGreaterThan(1); // some mutation ended a session
        // the packets reached live sessions: resumptions and monitor commands among them were served
        assertThat(target.resumes.get()).isGreaterThan(100);
        assertThat(target.monitorCommands).isNotEmpty();
        assertThat(target.detaches.get() + target.kills.get()).isEqualTo(target.attaches.get());
        assertThat(GdbServerTest.threadsOf(server.port())).isEmpty();
    }

    /** One fuzz input: a random packet, a mutated seed, raw garbage, or a seed as is. */
    private static byte[] next(Random random) {
        int kind = random.nextInt(10);
        if (kind < 4) {
            byte[] payload = new byte[random.nextInt(random.nextInt(100) == 0 ? 0x5000 : 64)];
            random.nextBytes(payload);
            return frame(payload, random.nextInt(5) != 0);
        }
        if (kind < 8) {
            byte[] payload = mutate(SEEDS.get(random.nextInt(SEEDS.size())).getBytes(StandardCharsets.ISO_8859_1),
                    random);
            return frame(payload, random.nextInt(5) != 0);
        }
        if (kind == 8) {
            byte[] garbage = new byte[1 + random.nextInt(16)];
            for (int i = 0; i < garbage.length; i++) {
                garbage[i] = (byte) "+-\u0003#$}*x0\n".charAt(random.nextInt(10));
            }
            return garbage;
        }
        String seed = SEEDS.get(random.nextInt(SEEDS.size()));
        // the seeds that end the session are rare as is, so that most packets reach a live session
        return frame(seed.getBytes(StandardCharsets.ISO_8859_1), !"D".equals(seed) && !seed.startsWith("k")
                && !seed.startsWith("vKill") || random.nextInt(20) == 0);
    }
}
