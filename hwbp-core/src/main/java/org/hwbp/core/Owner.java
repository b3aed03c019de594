package org.hwbp.core;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client of the core (a bundle's instance of the service): its id sequence, its breakpoints, wide
 * breakpoints, claims and guest sessions, all released by {@link HwBreakpointCore#closeOwner}.
 */
final class Owner {
    private final String name;
    private final AtomicInteger nextId = new AtomicInteger(1);
    final Set<PerfEvent> events = ConcurrentHashMap.newKeySet();
    final Set<WideEvent> wides = ConcurrentHashMap.newKeySet();
    final Set<AutoCloseable> holds = ConcurrentHashMap.newKeySet();
    /** Uses the debugger path: its reservations are never preempted by the debugger-priority policy. */
    volatile boolean debugger;
    volatile boolean closed;

    Owner(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    /** Ids are handed out only on success, so a refused request consumes none. */
    int nextId() {
        return nextId.getAndIncrement();
    }

    List<PerfEvent> sortedEvents() {
        return events.stream().sorted((a, b) -> Long.compare(a.serial, b.serial)).toList();
    }
}
