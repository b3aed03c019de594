package org.hwbp.api.gdb;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A gdb remote-protocol listener for one {@link GdbTarget}: an accept thread ({@code gdb-listen-PORT}), and per
 * connected gdb a session thread ({@code gdb-session-PORT}), so that nothing the shell does waits on gdb. One
 * gdb at a time: another one gets {@code E.busy: …} and is disconnected, the first is not disturbed.
 * {@link #close()} ends the session (detaching the target) and returns once no thread or socket of the server
 * is left.
 */
@ProviderType
public final class GdbServer implements AutoCloseable {

    /** The largest packet gdb may send, advertised as {@code PacketSize} (gdbserver uses the same 16 KiB). */
    public static final int MAX_PACKET = 0x4000;
    private static final long JOIN_MILLIS = 5000;

    private final GdbTarget target;
    private final ServerSocket listener;
    private final InetSocketAddress address;
    private final Thread acceptThread;
    private final int maxPayload;
    private final Object lock = new Object();
    private final List<Thread> sessionThreads = new ArrayList<>();
    private Session session;
    private Socket refusing;
    private boolean closed;

    private GdbServer(GdbTarget target, ServerSocket listener, int maxPayload) {
        this.target = target;
        this.listener = listener;
        this.address = (InetSocketAddress) listener.getLocalSocketAddress();
        this.maxPayload = maxPayload;
        this.acceptThread = new Thread(this::acceptLoop, "gdb-listen-" + address.getPort());
        this.acceptThread.setDaemon(true);
    }

    /** Listens on 127.0.0.1:{@code port} ({@code 0} picks a free port). */
    public static GdbServer listen(int port, GdbTarget target) {
        return listen(InetAddress.getLoopbackAddress(), port, target);
    }

    /**
     * Listens on {@code bind}:{@code port}.
     *
     * @throws HwbpException EBUSY if the port is in use, EINVAL for a bad port, EIO for other socket errors
     */
    public static GdbServer listen(InetAddress bind, int port, GdbTarget target) {
        return listen(bind, port, target, MAX_PACKET);
    }

    static GdbServer listen(InetAddress bind, int port, GdbTarget target, int maxPayload) {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(target, "target");
        if (port < 0 || port > 0xffff) {
            throw new HwbpException(Errno.EINVAL, "port out of range: " + port);
        }
        ServerSocket socket = null;
        try {
            socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(bind, port), 1);
        } catch (BindException e) {
            closeQuietly(socket);
            throw new HwbpException(Errno.EBUSY, bind.getHostAddress() + ":" + port + " is in use");
        } catch (IOException e) {
            closeQuietly(socket);
            throw new HwbpException(Errno.EIO, "cannot listen on " + bind.getHostAddress() + ":" + port + ": "
                    + e.getMessage());
        }
        GdbServer server = new GdbServer(target, socket, maxPayload);
        server.acceptThread.start();
        return server;
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    /** The connected gdb, if one is. */
    public Optional<InetSocketAddress> peer() {
        synchronized (lock) {
            return session == null ? Optional.empty() : Optional.of(session.peer());
        }
    }

    /** Whether it still listens. */
    public boolean isOpen() {
        synchronized (lock) {
            return !closed;
        }
    }

    private void acceptLoop() {
        while (true) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            Session busy;
            synchronized (lock) {
                if (closed) {
                    closeQuietly(socket);
                    return;
                }
                busy = session;
                if (busy == null) {
                    start(socket);
                    continue;
                }
                refusing = socket;
            }
            Session.refuse(socket, maxPayload, "EBUSY: gdb at " + describe(busy.peer())
                    + " is already connected to this target");
            synchronized (lock) {
                refusing = null;
            }
        }
    }

    /** Starts a session thread for {@code socket}. Called with the lock held. */
    private void start(Socket socket) {
        Session s;
        try {
            socket.setTcpNoDelay(true);
            s = new Session(socket, target, maxPayload, this::ended);
        } catch (IOException e) {
            closeQuietly(socket);
            return;
        }
        session = s;
        Thread thread = new Thread(s::serve, "gdb-session-" + address.getPort());
        thread.setDaemon(true);
        sessionThreads.add(thread);
        thread.start();
    }

    private void ended(Session s) {
        synchronized (lock) {
            if (session == s) {
                session = null;
            }
            sessionThreads.removeIf(t -> t == Thread.currentThread() || !t.isAlive());
        }
    }

    /**
     * Stops listening and ends the session (the target's detach hook runs on the calling thread if a gdb is
     * connected). Returns when the server's threads are gone, unless called from one of them.
     */
    @Override
    public void close() {
        Session current;
        List<Thread> threads;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            current = session;
            closeQuietly(refusing);
            threads = new ArrayList<>(sessionThreads);
        }
        closeQuietly(listener);
        if (current != null) {
            current.end(Session.End.DETACH);
        }
        threads.add(acceptThread);
        for (Thread t : threads) {
            if (t != Thread.currentThread()) {
                try {
                    t.join(JOIN_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static String describe(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // closing what is already broken
            }
        }
    }

    @Override
    public String toString() {
        return "gdb server on " + describe(address) + peer().map(p -> ", connected to " + describe(p)).orElse("");
    }
}
