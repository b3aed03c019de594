package org.hwbp.api.gdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * What the packet fuzz tests of the gdb servers share (the generic server's {@code GdbServerFuzzTest} here, kgdb's
 * target in kgdb-client, through this test-jar): mutation of seed packets, framing with a good or a bad checksum,
 * batch marks a reply echoes unchanged, and a connection whose replies are drained so the server never blocks.
 */
public final class PacketFuzz {

    private PacketFuzz() {
    }

    /**
     * A batch mark whose hex has no run of four equal digits, so that the reply's run-length encoding leaves it
     * as it is: "mark" and the number's decimal digits as the letters g..p (0x67..0x70).
     */
    public static String mark(long n) {
        StringBuilder s = new StringBuilder("mark");
        for (char d : Long.toString(n).toCharArray()) {
            s.append((char) ('g' + (d - '0')));
        }
        return s.toString();
    }

    /** One to four random edits of {@code seed}: a byte replaced (by any byte or a packet character), dropped or inserted. */
    public static byte[] mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(4)) {
                case 0 -> b[at] = (byte) random.nextInt(256);
                case 1 -> b[at] = (byte) "0123456789abcdef,:;-".charAt(random.nextInt(20));
                case 2 -> {
                    byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter;
                }
                default -> {
                    byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                }
            }
        }
        return b;
    }

    /** {@code $payload#cs}, with a wrong checksum unless {@code goodChecksum}. */
    public static byte[] frame(byte[] payload, boolean goodChecksum) {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 4);
        f.write('$');
        f.writeBytes(payload);
        f.write('#');
        int cs = PacketCodec.checksum(payload) ^ (goodChecksum ? 0 : 0x5a);
        f.writeBytes(String.format("%02x", cs).getBytes(StandardCharsets.ISO_8859_1));
        return f.toByteArray();
    }

    /** Waits (10 s at most) until {@code server} has no gdb connected, and fails if it still has one. */
    public static void awaitNoPeer(GdbServer server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.peer().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(server.peer()).isEmpty();
    }

    /** A connection whose replies a drain thread reads (and drops), so that the server never blocks on them. */
    public static final class Connection {
        private final Socket socket;
        private final Thread drain;
        private volatile boolean eof;
        private final StringBuilder recent = new StringBuilder();

        public Connection(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            InputStream in = socket.getInputStream();
            drain = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        // the replies are not checked (the server's survival is), only the batch marks
                        synchronized (recent) {
                            recent.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                            if (recent.length() > 65536) {
                                recent.delete(0, recent.length() - 4096);
                            }
                            recent.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // reset
                }
                eof = true;
                synchronized (recent) {
                    recent.notifyAll();
                }
            }, "fuzz-drain");
            drain.start();
        }

        public boolean closed() {
            return eof;
        }

        /** Waits until {@code text} arrived (true) or the connection ended (false). */
        public boolean await(String text) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            synchronized (recent) {
                while (recent.indexOf(text) < 0) {
                    long left = deadline - System.nanoTime();
                    if (eof || left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(recent, left);
                }
                recent.setLength(0);
                return true;
            }
        }

        public void out(byte[] bytes) throws IOException {
            socket.getOutputStream().write(bytes);
        }

        public void close() throws IOException, InterruptedException {
            socket.close();
            drain.join(10_000);
        }
    }
}
