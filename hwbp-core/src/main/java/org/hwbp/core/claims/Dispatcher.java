package org.hwbp.core.claims;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hwbp.core.EventLog;

/**
 * Calls clients' handlers and listeners, never while a core lock is held (callers collect what to tell and
 * call {@link #deliver} afterwards). Each bundle has its own lane: one thread, so its callbacks arrive in
 * order. A callback that throws is caught and logged with the bundle; one that blocks longer than the bounded
 * wait is left running, its bundle is marked stalled and later callbacks to it are skipped (and logged) until
 * it returns — so no client can stall a claim or a registration (Felix EventAdmin's handler proxy does the same).
 * A lane's thread ends after {@value #IDLE_MILLIS} ms without callbacks (the next callback starts another): a
 * bundle the core only knows as a whiteboard listener has no owner scope whose close would end its lane, and
 * must leave no thread behind when it goes (product §8.5).
 */
public final class Dispatcher {
    static final long IDLE_MILLIS = 1000;
    private final EventLog log;
    private volatile long timeoutMillis;
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();

    public Dispatcher(EventLog log, long timeoutMillis) {
        this.log = log;
        this.timeoutMillis = timeoutMillis;
    }

    public void setTimeoutMillis(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** Runs {@code callback} on {@code bundle}'s lane and waits for it, at most the bounded time. */
    public void deliver(String bundle, String what, Runnable callback) {
        lanes.computeIfAbsent(bundle, Lane::new).run(what, callback);
    }

    /** Ends a bundle's lane (its bundle stopped): its thread is stopped and no longer referenced. */
    public void close(String bundle) {
        Lane lane = lanes.remove(bundle);
        if (lane != null) {
            lane.executor.shutdownNow();
        }
    }

    /** Ends every lane. */
    public void closeAll() {
        for (String b : lanes.keySet()) {
            close(b);
        }
    }

    private final class Lane {
        private final String bundle;
        private final ExecutorService executor;
        private volatile boolean stalled;
        private volatile Thread thread;

        Lane(String bundle) {
            this.bundle = bundle;
            ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, IDLE_MILLIS, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "hwbp-callbacks " + bundle);
                        t.setDaemon(true);
                        thread = t;
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true);
            this.executor = pool;
        }

        void run(String what, Runnable callback) {
            if (Thread.currentThread() == thread) {
                // A callback of this bundle caused another one (kgdb's handler entering the debugger): run it
                // in place rather than wait for ourselves.
                try {
                    callback.run();
                } catch (Throwable t) {
                    log.fault("callback " + what + " of bundle " + bundle + " threw " + t);
                }
                return;
            }
            if (stalled) {
                log.fault("skipped " + what + " for bundle " + bundle + ": it is still blocked in a callback");
                return;
            }
            Future<?> f;
            try {
                f = executor.submit(() -> {
                    try {
                        callback.run();
                    } catch (Throwable t) {
                        log.fault("callback " + what + " of bundle " + bundle + " threw " + t);
                    } finally {
                        stalled = false;
                    }
                });
            } catch (RejectedExecutionException e) {
                log.fault("skipped " + what + " for bundle " + bundle + ": it has stopped");
                return;
            }
            try {
                f.get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                stalled = !f.isDone();
                if (stalled) {
                    log.fault("callback " + what + " of bundle " + bundle + " blocked for more than "
                            + timeoutMillis + " ms; skipping its callbacks until it returns");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                log.fault("callback " + what + " of bundle " + bundle + " failed: " + e.getCause());
            }
        }
    }
}
