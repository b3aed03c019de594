package org.hwbp.api.gdb;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.hwbp.api.Errno;

/**
 * One connected gdb: reads its bytes on the session thread, hands packets to the {@link Dispatcher}, and takes
 * the target's asynchronous stops and console output from any thread. Ends exactly once — on {@code D},
 * {@code k}, end of stream, a broken connection or the server closing — and then calls the target's detach or
 * kill hook exactly once.
 */
final class Session implements GdbSession, PacketCodec.Receiver {

    /** How a session ends, and so which target hook it calls. */
    enum End { DETACH, KILL, TARGET_GONE }

    private final Socket socket;
    private final GdbTarget target;
    private final PacketCodec codec;
    private final Dispatcher dispatcher;
    private final InetSocketAddress peer;
    private final Consumer<Session> onEnd;
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Guards running and lastStop: a stop reply is sent at most once per resumption. */
    private final Object stateLock = new Object();
    private boolean running;
    private StopEvent lastStop;

    Session(Socket socket, GdbTarget target, int maxPayload, Consumer<Session> onEnd) throws IOException {
        this.socket = socket;
        this.target = target;
        this.peer = (InetSocketAddress) socket.getRemoteSocketAddress();
        this.onEnd = onEnd;
        this.codec = new PacketCodec(new BufferedOutputStream(socket.getOutputStream()), maxPayload, this);
        this.dispatcher = new Dispatcher(target, this);
    }

    /** The session thread's body: attach, then serve until the connection or the session ends. */
    void serve() {
        StopEvent first;
        try {
            first = target.attach(this);
        } catch (RuntimeException e) {
            refuse(socket, codec.maxPayload(), e.getMessage() == null ? e.toString() : e.getMessage());
            ended.set(true);
            onEnd.accept(this);
            return;
        }
        synchronized (stateLock) {
            lastStop = first;
        }
        try {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            int b;
            while (!ended.get() && (b = in.read()) >= 0) {
                codec.feed(b);
            }
        } catch (IOException e) {
            // reset, or closed by end(): either way the session is over
        } finally {
            end(End.DETACH);
        }
    }

    @Override
    public void packet(byte[] payload) {
        try {
            byte[] reply = dispatcher.handle(payload);
            if (reply != null) {
                reply(reply);
            }
        } catch (IOException e) {
            end(End.DETACH);
        }
    }

    @Override
    public void interrupt() {
        boolean wasRunning;
        synchronized (stateLock) {
            wasRunning = running;
        }
        if (wasRunning) {
            try {
                target.interrupt();
            } catch (RuntimeException e) {
                // the target could not stop: gdb keeps waiting and may interrupt again
            }
        }
    }

    @Override
    public void oversized(int length) {
        try {
            reply(Replies.error(Errno.EINVAL));
        } catch (IOException e) {
            end(End.DETACH);
        }
    }

    @Override
    public InetSocketAddress peer() {
        return peer;
    }

    @Override
    public boolean stopped(StopEvent event) {
        boolean sent;
        synchronized (stateLock) {
            if (ended.get()) {
                return false;
            }
            lastStop = event;
            sent = running;
            running = false;
            if (sent) {
                try {
                    codec.send(dispatcher.stopReply(event));
                } catch (IOException e) {
                    sent = false;
                    closeSocket();
                }
            }
        }
        if (event.endsSession()) {
            end(End.TARGET_GONE);
        }
        return sent;
    }

    @Override
    public boolean console(String text) {
        synchronized (stateLock) {
            if (ended.get() || !running) {
                return false;
            }
            try {
                output(text);
                return true;
            } catch (IOException e) {
                closeSocket();
                return false;
            }
        }
    }

    @Override
    public boolean isOpen() {
        return !ended.get();
    }

    void reply(byte[] payload) throws IOException {
        codec.send(payload);
    }

    /** Console text as {@code O} packets of hex, each within the packet size. */
    void output(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int chunk = (codec.maxPayload() - 1) / 2;
        for (int from = 0; from < bytes.length; from += chunk) {
            byte[] part = Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + chunk));
            codec.send(Replies.ascii("O" + Hex.encode(part)));
        }
    }

    void noAckMode() {
        codec.noAckMode();
    }

    int maxPayload() {
        return codec.maxPayload();
    }

    void running(boolean value) {
        synchronized (stateLock) {
            running = value;
        }
    }

    StopEvent lastStop() {
        synchronized (stateLock) {
            return lastStop;
        }
    }

    PacketCodec codec() {
        return codec;
    }

    /** Ends the session once: the target hook for {@code how}, then the connection closes. */
    void end(End how) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        try {
            switch (how) {
                case DETACH -> target.detach();
                case KILL -> target.kill();
                case TARGET_GONE -> {
                }
            }
        } catch (RuntimeException e) {
            // the connection closes all the same
        } finally {
            closeSocket();
            onEnd.accept(this);
        }
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /**
     * Turns a gdb away: waits (briefly) for its first packet, answers it with gdb's textual error
     * {@code E.message}, and closes the connection.
     */
    static void refuse(Socket socket, int maxPayload, String message) {
        try (socket) {
            socket.setSoTimeout(2000);
            AtomicBoolean answered = new AtomicBoolean();
            PacketCodec[] codec = new PacketCodec[1];
            codec[0] = new PacketCodec(new BufferedOutputStream(socket.getOutputStream()), maxPayload,
                    new PacketCodec.Receiver() {
                        @Override
                        public void packet(byte[] payload) {
                            answer();
                        }

                        @Override
                        public void interrupt() {
                        }

                        @Override
                        public void oversized(int length) {
                            answer();
                        }

                        private void answer() {
                            try {
                                codec[0].send(Replies.ascii("E." + message));
                            } catch (IOException e) {
                                // gone already
                            }
                            answered.set(true);
                        }
                    });
            InputStream in = socket.getInputStream();
            int b;
            while (!answered.get() && (b = in.read()) >= 0) {
                codec[0].feed(b);
            }
        } catch (IOException e) {
            // a refused client that is slow or gone: nothing more to tell it
        }
    }
}
