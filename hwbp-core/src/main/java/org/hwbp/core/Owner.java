package org.hwbp.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.core.cacheline.PaddedCounter;

/**
 * One client of the core (a bundle's instance of the service): its id sequence, its breakpoints, wide
 * breakpoints, claims and guest sessions, all released by {@link HwBreakpointCore#closeOwner}.
 */
final class Owner {
    private final String name;
    /**
     * Taken by every registration of this client: on lines of its own, as the owners of a runtime are made one
     * after the other and the debugger's claim reads its own owner all the time.
     */
    private final PaddedCounter nextId = new PaddedCounter(1);
    final Set<PerfEvent> events = ConcurrentHashMap.newKeySet();
    final Set<WideEvent> wides = ConcurrentHashMap.newKeySet();
    final Set<AutoCloseable> holds = ConcurrentHashMap.newKeySet();
    /**
     * After a restart of the core, the breakpoints this owner had before it (not yet registered again): a
     * registration that matches one gets its id and serial back. Guarded by itself.
     */
    final List<CoreSnapshot.Event> returning = new ArrayList<>();
    /** Uses the debugger path: its reservations are never preempted by the debugger-priority policy. */
    volatile boolean debugger;
    /** This owner's debugger seat (DebuggerClaims): the handle all its claims return, made at its first claim. */
    volatile AutoCloseable debuggerSeat;
    volatile boolean closed;

    Owner(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    /** Ids are handed out only on success, so a refused request consumes none. */
    int nextId() {
        return (int) nextId.getAndIncrement();
    }

    int peekNextId() {
        return (int) nextId.get();
    }

    /** A restarted core continues this owner's id sequence where it was. */
    void continueIds(int next) {
        nextId.set(next);
    }

    /**
     * The returning breakpoint a registration of {@code spec} stands for, removed from the list: the only one
     * with the same target and attributes if there is exactly one, else the first (in registration order) with
     * the same target. Owners register their breakpoints again in their own order; on one target, the order of
     * first registration is what identifies them when the attributes do not (kgdb's four placeholders, the
     * debugger having installed one of them directly since). Null when none.
     */
    CoreSnapshot.Event takeReturning(BreakpointSpec spec, boolean wide) {
        synchronized (returning) {
            CoreSnapshot.Event first = null;
            CoreSnapshot.Event same = null;
            int sameCount = 0;
            for (CoreSnapshot.Event e : returning) {
                if (e.wide() != wide || e.spec().cpu() != spec.cpu() || e.spec().task() != spec.task()) {
                    continue;
                }
                if (first == null || e.serial() < first.serial()) {
                    first = e;
                }
                if (e.spec().equals(spec)) {
                    same = e;
                    sameCount++;
                }
            }
            CoreSnapshot.Event taken = sameCount == 1 ? same : first;
            if (taken != null) {
                returning.remove(taken);
            }
            return taken;
        }
    }

    /** A registration that took {@code e} was refused: it stays returning. */
    void giveBack(CoreSnapshot.Event e) {
        if (e != null) {
            synchronized (returning) {
                returning.add(e);
            }
        }
    }

    List<PerfEvent> sortedEvents() {
        return events.stream().sorted((a, b) -> Long.compare(a.serial, b.serial)).toList();
    }
}
