package org.hwbp.kgdb.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hwbp.api.gdb.PacketFuzz.awaitNoPeer;
import static org.hwbp.api.gdb.PacketFuzz.frame;
import static org.hwbp.api.gdb.PacketFuzz.mark;
import static org.hwbp.api.gdb.PacketFuzz.mutate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.hwbp.api.AccessKind;
import org.hwbp.api.gdb.GdbServer;
import org.hwbp.api.gdb.PacketFuzz.Connection;
import org.hwbp.core.inspect.CoreInspector;
import org.hwbp.kgdb.Fixture;
import org.junit.jupiter.api.Test;

/**
 * 100 000 random and mutated packets over a socket against kgdb's target on a real core, while another thread
 * accesses the watched memory: no exception escapes, the server keeps serving, and once the last gdb is gone the
 * core's invariants hold (hwbp:check) and kgdb holds nothing.
 */
class KgdbTargetFuzzTest {
    private static final int PACKETS = 100_000;
    private static final int BATCH = 100;
    private static final String D = Long.toHexString(Fixture.DATA);
    private static final List<String> SEEDS = List.of("?", "g", "p39", "p3e", "P0=0100000000000000", "P3e=0000000000000000",
            "m" + D + ",10", "mffffffffffffffff,8", "M" + D + ",4:01020304", "X" + D + ",2:ab",
            "Z1,ffffffff81234560,1", "z1,ffffffff81234560,1", "Z2," + D + ",4", "z2," + D + ",4", "Z3," + D + ",8",
            "Z4," + D + ",2", "z4," + D + ",2", "Z0," + D + ",1", "c", "s", "vCont;c", "vCont;s:2;c", "vCont?",
            "Hg1", "Hg5", "Hc-1", "T2", "T9", "qC", "qfThreadInfo", "qsThreadInfo", "qThreadExtraInfo,1",
            "qAttached", "qSupported:swbreak+;hwbreak+", "qXfer:features:read:target.xml:0,400",
            "qRcmd," + hex("cpus"), "QStartNoAckMode", "vMustReplyEmpty", "D", "k");

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void randomAndMutatedPacketsLeaveTheCoreConsistentAndKgdbHoldingNothing() throws Exception {
        Queue<Throwable> escaped = new ConcurrentLinkedQueue<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> escaped.add(e));
        Fixture f = new Fixture().startKgdb();
        KgdbTarget target = new KgdbTarget(() -> f.kgdb, () -> f.machine, () -> new CoreInspector(f.core),
                command -> command);
        f.kgdb.setStopSink(target::stopped);
        GdbServer server = GdbServer.listen(0, target);
        int task = f.machine.createTask("fuzzed");
        f.machine.switchTo(1, task);
        // the machine runs meanwhile: accesses hit whatever the fuzzed packets armed
        Thread machine = new Thread(() -> {
            Random r = new Random(7);
            while (!Thread.currentThread().isInterrupted()) {
                f.machine.access(r.nextInt(4), Fixture.DATA + r.nextInt(8), 1,
                        AccessKind.values()[r.nextInt(2)], true, r.nextInt(256));
            }
        }, "fuzz-machine");
        machine.start();
        Random random = new Random(14);
        int connections = 0;
        long served = 0;
        try {
            Connection c = null;
            long sent = 0;
            int batch = 0;
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
                        c.out("#00".getBytes(StandardCharsets.ISO_8859_1));
                        c.out(frame(("qRcmd," + hex(mark)).getBytes(StandardCharsets.ISO_8859_1), true));
                        if (c.await(hex(mark))) {
                            served += batch;
                        }
                        batch = 0;
                    }
                } catch (IOException e) {
                    c.close();
                    c = null;
                }
            }
            // The machine stops before the last detach: an access that hit a breakpoint as gdb detached would
            // enter kgdb after the detach's resume, and (as in Linux) wait for the next gdb.
            machine.interrupt();
            machine.join(10_000);
            if (c != null) {
                c.close();
            }
            awaitNoPeer(server);
        } finally {
            machine.interrupt();
            machine.join(10_000);
            server.close();
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertThat(escaped).isEmpty();
        assertThat(connections).isGreaterThan(1);
        assertThat(f.core.checkQuiescent()).isEmpty();
        assertThat(f.kgdb.entries()).noneMatch(e -> e.enabled() || !e.reservedCpus().isEmpty());
        assertThat(f.kgdb.stopped()).isFalse();
        assertThat(f.core.isUsed()).isFalse();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive()
                && t.getName().endsWith("-" + server.port()) && t.getName().startsWith("gdb-"));
        f.close();
    }

    /** One fuzz input: a random packet, a mutated seed, raw garbage, or a seed as is. */
    private static byte[] next(Random random) {
        int kind = random.nextInt(10);
        if (kind < 3) {
            byte[] payload = new byte[random.nextInt(random.nextInt(100) == 0 ? 0x5000 : 64)];
            random.nextBytes(payload);
            return frame(payload, random.nextInt(5) != 0);
        }
        if (kind < 8) {
            byte[] seed = SEEDS.get(random.nextInt(SEEDS.size())).getBytes(StandardCharsets.ISO_8859_1);
            return frame(mutate(seed, random), random.nextInt(5) != 0);
        }
        if (kind == 8) {
            byte[] garbage = new byte[1 + random.nextInt(16)];
            for (int i = 0; i < garbage.length; i++) {
                garbage[i] = (byte) "+-\u0003#$}*x0\n".charAt(random.nextInt(10));
            }
            return garbage;
        }
        String seed = SEEDS.get(random.nextInt(SEEDS.size()));
        boolean ends = seed.equals("D") || seed.equals("k");
        return frame(seed.getBytes(StandardCharsets.ISO_8859_1), !ends || random.nextInt(20) == 0);
    }
}
