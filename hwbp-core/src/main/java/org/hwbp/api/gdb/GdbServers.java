package org.hwbp.api.gdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A client's stubs, one per debugged thing (as one gdbserver process per inferior, one QEMU {@code -gdb} per
 * VM): each key (a task, a VM) is served by at most one {@link GdbServer} with its own target. A server goes
 * when its thing ends (the target runs the callback it was made with), on {@link #close} and on
 * {@link #closeAll()} (the client goes away). The servers are closed outside this registry's lock: closing
 * joins the server's threads, which may be calling back here.
 *
 * @param <K> what names a debugged thing (a task id, a VM id)
 * @param <T> its target
 */
@ProviderType
public final class GdbServers<K extends Comparable<? super K>, T extends GdbTarget> {

    private record Served<T>(GdbServer server, T target) {
    }

    private final String stub;
    private final String thing;
    private final Consumer<? super T> released;
    private final Map<K, Served<T>> served = new TreeMap<>();

    /**
     * @param stub     what a server is called in messages ({@code gdbserver}, {@code gdbstub})
     * @param thing    what a key names in messages ({@code task}, {@code VM})
     * @param released run with a target once its server is closed and forgotten, for what the target holds
     *                 while it is served rather than while gdb is connected
     */
    public GdbServers(String stub, String thing, Consumer<? super T> released) {
        this.stub = stub;
        this.thing = thing;
        this.released = released;
    }

    /** Without a release hook. */
    public GdbServers(String stub, String thing) {
        this(stub, thing, t -> { });
    }

    /**
     * A server for {@code key} on 127.0.0.1:{@code port} ({@code 0}: any free port) serving the target that
     * {@code newTarget} makes; the target is given the callback that ends its server, to run once its thing is
     * gone.
     *
     * @throws HwbpException EBUSY for a key served already or a port in use; what {@code newTarget} throws
     */
    public GdbServer open(K key, int port, Function<Runnable, T> newTarget) {
        T target;
        GdbServer server;
        synchronized (this) {
            Served<T> s = served.get(key);
            if (s != null) {
                throw new HwbpException(Errno.EBUSY, thing + " " + key + " is served already by " + s.server());
            }
            GdbServer[] self = new GdbServer[1];
            target = newTarget.apply(() -> ended(key, self[0]));
            try {
                server = GdbServer.listen(port, target);
            } catch (RuntimeException e) {
                released.accept(target);
                throw e;
            }
            self[0] = server;
            served.put(key, new Served<>(server, target));
        }
        return server;
    }

    /** The thing of {@code server} ended: the server goes, unless it went already (or was never opened). */
    private void ended(K key, GdbServer server) {
        Served<T> s;
        synchronized (this) {
            s = served.get(key);
            if (server == null || s == null || s.server() != server) {
                return;
            }
            served.remove(key);
        }
        close(s);
    }

    private void close(Served<T> s) {
        s.server().close();
        released.accept(s.target());
    }

    /** The target served for {@code key}, or null. */
    public synchronized T target(K key) {
        Served<T> s = served.get(key);
        return s == null ? null : s.target();
    }

    /** Every target served now. */
    public synchronized List<T> targets() {
        List<T> l = new ArrayList<>();
        served.values().forEach(s -> l.add(s.target()));
        return l;
    }

    /**
     * Closes the server of {@code key} (a connected gdb's session ends as by detach).
     *
     * @throws HwbpException ENOENT if there is none
     */
    public void close(K key) {
        Served<T> s;
        synchronized (this) {
            s = served.remove(key);
        }
        if (s == null) {
            throw new HwbpException(Errno.ENOENT, "no " + stub + " for " + thing + " " + key);
        }
        close(s);
    }

    /** Closes the server of {@code key} if there is one and its target satisfies {@code test}; whether it did. */
    public boolean closeIf(K key, Predicate<? super T> test) {
        Served<T> s;
        synchronized (this) {
            s = served.get(key);
            if (s == null || !test.test(s.target())) {
                return false;
            }
            served.remove(key);
        }
        close(s);
        return true;
    }

    /**
     * One line per server, by key: {@code THING KEY: listening on ADDR:PORT}, then while a gdb is connected
     * {@code , gdb connected from ADDR:PORT} and what {@code state} says of the target.
     */
    public synchronized List<String> describe(Function<? super T, String> state) {
        List<String> l = new ArrayList<>();
        served.forEach((key, s) -> l.add(thing + " " + key + ": listening on "
                + s.server().address().getAddress().getHostAddress() + ":" + s.server().port()
                + s.server().peer().map(p -> ", gdb connected from " + p.getAddress().getHostAddress() + ":"
                        + p.getPort() + state.apply(s.target())).orElse("")));
        return l;
    }

    /** Every server closed (the client goes away). */
    public void closeAll() {
        List<Served<T>> all;
        synchronized (this) {
            all = new ArrayList<>(served.values());
            served.clear();
        }
        all.forEach(this::close);
    }
}
