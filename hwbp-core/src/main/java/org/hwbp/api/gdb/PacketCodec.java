package org.hwbp.api.gdb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * The framing layer of the remote protocol, both directions: {@code $payload#cs} with a modulo-256 checksum,
 * {@code +}/{@code -} acknowledgements (a {@code -} makes it send its last packet again), no-ack mode after
 * {@code QStartNoAckMode}, run-length encoding of what it sends, the {@code 0x03} interrupt byte, a maximum
 * payload size whose excess is refused without losing the stream, and bytes outside packets skipped (gdb's
 * remote.c read_frame/putpkt and gdbserver's remote-utils.c, seen from the stub's side).
 *
 * <p>{@link #feed} is called by the one reading thread; {@link #send} from any thread.
 */
final class PacketCodec {

    /** What the codec hands up. Called on the reading thread, inside {@link #feed}. */
    interface Receiver {
        /** A complete packet with a good checksum (already acknowledged). */
        void packet(byte[] payload);

        /** The 0x03 byte between packets: gdb's Ctrl-C. */
        void interrupt();

        /** A packet longer than the maximum, acknowledged and dropped; the receiver should answer an error. */
        void oversized(int length);
    }

    /** Longest run RLE can express: the count character is printable, at most '~' = 29 + 97. */
    private static final int MAX_REPEATS = 97;

    private enum State { IDLE, DATA, CHECKSUM_HIGH, CHECKSUM_LOW }

    private final OutputStream out;
    private final int maxPayload;
    private final Receiver receiver;
    private final Object writeLock = new Object();

    // reading state: the reading thread only
    private State state = State.IDLE;
    private final byte[] buffer;
    private int length;
    private int sum;
    private int checksum;
    private long garbage;
    private long badChecksums;

    private volatile boolean ackMode = true;
    /** The last packet sent, for a retransmission after '-' (ack mode only). Guarded by writeLock. */
    private byte[] lastSent;
    private long retransmissions;

    PacketCodec(OutputStream out, int maxPayload, Receiver receiver) {
        this.out = out;
        this.maxPayload = maxPayload;
        this.receiver = receiver;
        this.buffer = new byte[maxPayload];
    }

    int maxPayload() {
        return maxPayload;
    }

    /** Stops acknowledging and expecting acknowledgements (after replying OK to {@code QStartNoAckMode}). */
    void noAckMode() {
        ackMode = false;
        synchronized (writeLock) {
            lastSent = null;
        }
    }

    boolean ackMode() {
        return ackMode;
    }

    /** Bytes skipped outside packets (and of packets broken off by a new '$'). */
    long garbage() {
        return garbage;
    }

    long badChecksums() {
        return badChecksums;
    }

    long retransmissions() {
        synchronized (writeLock) {
            return retransmissions;
        }
    }

    /** One byte from gdb. */
    void feed(int b) throws IOException {
        switch (state) {
            case IDLE -> idle(b);
            case DATA -> {
                if (b == '#') {
                    state = State.CHECKSUM_HIGH;
                } else if (b == '$') {
                    // a packet broken off: gdb starts again (read_frame does the same)
                    garbage += length + 1;
                    start();
                } else {
                    if (length < maxPayload) {
                        buffer[length] = (byte) b;
                    }
                    length++;
                    sum = (sum + b) & 0xff;
                }
            }
            case CHECKSUM_HIGH -> {
                if (isHex(b)) {
                    checksum = Hex.digit(b) << 4;
                    state = State.CHECKSUM_LOW;
                } else {
                    broken(b);
                }
            }
            case CHECKSUM_LOW -> {
                if (isHex(b)) {
                    checksum |= Hex.digit(b);
                    state = State.IDLE;
                    complete();
                } else {
                    broken(b);
                }
            }
        }
    }

    private void idle(int b) throws IOException {
        switch (b) {
            case '$' -> start();
            case '+' -> {
                synchronized (writeLock) {
                    lastSent = null;
                }
            }
            case '-' -> retransmit();
            case 0x03 -> receiver.interrupt();
            default -> garbage++;
        }
    }

    private void start() {
        state = State.DATA;
        length = 0;
        sum = 0;
    }

    /** A checksum that is not two hex digits: as a bad checksum, and the byte starts over. */
    private void broken(int b) throws IOException {
        badChecksums++;
        state = State.IDLE;
        if (ackMode) {
            writeRaw(new byte[] {'-'});
        }
        if (b == '$') {
            start();
        }
    }

    private void complete() throws IOException {
        // In no-ack mode gdb still sends a checksum, which the stub may ignore (gdb manual, "Packet Acknowledgment").
        if (ackMode && checksum != sum) {
            badChecksums++;
            writeRaw(new byte[] {'-'});
            return;
        }
        if (ackMode) {
            writeRaw(new byte[] {'+'});
        }
        if (length > maxPayload) {
            receiver.oversized(length);
        } else {
            receiver.packet(Arrays.copyOf(buffer, length));
        }
    }

    private void retransmit() throws IOException {
        synchronized (writeLock) {
            if (ackMode && lastSent != null) {
                retransmissions++;
                out.write(lastSent);
                out.flush();
            }
        }
    }

    /** Sends {@code payload} (text, or binary already {@link Hex#escape escaped}) as one run-length-encoded packet. */
    void send(byte[] payload) throws IOException {
        byte[] frame = frame(payload);
        synchronized (writeLock) {
            out.write(frame);
            out.flush();
            if (ackMode) {
                lastSent = frame;
            }
        }
    }

    private void writeRaw(byte[] bytes) throws IOException {
        synchronized (writeLock) {
            out.write(bytes);
            out.flush();
        }
    }

    /** {@code $} + the RLE-encoded payload + {@code #} + the checksum of what is between. */
    static byte[] frame(byte[] payload) {
        byte[] body = runLengthEncode(payload);
        ByteArrayOutputStream f = new ByteArrayOutputStream(body.length + 4);
        f.write('$');
        f.writeBytes(body);
        f.write('#');
        int cs = checksum(body);
        f.write(hexDigit(cs >> 4));
        f.write(hexDigit(cs & 0xf));
        return f.toByteArray();
    }

    static int checksum(byte[] body) {
        int cs = 0;
        for (byte b : body) {
            cs = (cs + (b & 0xff)) & 0xff;
        }
        return cs;
    }

    /**
     * gdb's run-length encoding: a byte followed by {@code *} and the number of further repeats plus 29, used
     * for runs of four or more (shorter ones would not shrink); counts whose character would be {@code #} or
     * {@code $} (6 and 7) are cut to 5. Escape-relevant bytes are never the repeated byte.
     */
    static byte[] runLengthEncode(byte[] payload) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(payload.length);
        int i = 0;
        while (i < payload.length) {
            byte c = payload[i];
            int run = 1;
            while (i + run < payload.length && payload[i + run] == c && run <= MAX_REPEATS) {
                run++;
            }
            int repeats = run - 1;
            if (repeats >= 3 && !Hex.needsEscape(c & 0xff)) {
                if (repeats == 6 || repeats == 7) {
                    repeats = 5;
                }
                o.write(c);
                o.write('*');
                o.write(repeats + 29);
                i += repeats + 1;
            } else {
                o.write(c);
                i++;
            }
        }
        return o.toByteArray();
    }

    /** Expands gdb's run-length encoding (what gdb does on receipt; used by tests and clients of the codec). */
    static byte[] runLengthDecode(byte[] body) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(body.length);
        int last = -1;
        for (int i = 0; i < body.length; i++) {
            if (body[i] == '*' && last >= 0 && i + 1 < body.length) {
                int repeats = (body[++i] & 0xff) - 29;
                for (int r = 0; r < repeats; r++) {
                    o.write(last);
                }
            } else {
                last = body[i] & 0xff;
                o.write(last);
            }
        }
        return o.toByteArray();
    }

    private static boolean isHex(int b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    private static int hexDigit(int v) {
        return "0123456789abcdef".charAt(v);
    }
}
