package org.hwbp.api.gdb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** The gdb side of the protocol, by hand: sends framed packets and reads framed replies (acks them, expands RLE). */
final class RawClient implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean ack = true;

    RawClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void noAck() {
        ack = false;
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void send(String payload) throws IOException {
        send(payload.getBytes(StandardCharsets.ISO_8859_1));
    }

    void send(byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write('$');
        f.writeBytes(payload);
        f.write('#');
        f.writeBytes(String.format("%02x", PacketCodec.checksum(payload)).getBytes(StandardCharsets.ISO_8859_1));
        sendRaw(f.toByteArray());
    }

    /** The next packet's payload (RLE expanded, not unescaped); acknowledgements before it are skipped. */
    byte[] readPacket() throws IOException {
        int b;
        while ((b = in.read()) != '$') {
            if (b < 0) {
                throw new IOException("connection closed");
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while ((b = in.read()) != '#') {
            if (b < 0) {
                throw new IOException("connection closed in a packet");
            }
            body.write(b);
        }
        int cs = Hex.digit(in.read()) << 4 | Hex.digit(in.read());
        if (cs != PacketCodec.checksum(body.toByteArray())) {
            throw new IOException("bad checksum from the server");
        }
        if (ack) {
            sendRaw(new byte[] {'+'});
        }
        return PacketCodec.runLengthDecode(body.toByteArray());
    }

    byte[] readPacketAfter(String payload) throws IOException {
        send(payload);
        return readPacket();
    }

    String read() throws IOException {
        return new String(readPacket(), StandardCharsets.ISO_8859_1);
    }

    String ask(String payload) throws IOException {
        send(payload);
        return read();
    }

    /** Reads until end of stream; true if it came (the server closed the connection). */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain
            }
            return true;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
