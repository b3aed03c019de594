package org.hwbp.ptrace.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The last lines one task's ptrace breakpoints wrote: the claim callbacks' preempted/restored and the WARN_ON
 * of a failed second pass of ptrace_write_dr7(). Needs no lock (a concurrent deque): the callbacks write
 * without one, ptrace_write_dr7() under {@link ThreadDebugState}'s monitor.
 */
final class PtraceLog {
    private static final int LOG_LINES = 32;

    private final ConcurrentLinkedDeque<String> log = new ConcurrentLinkedDeque<>();

    /** The lines saved before a client restart, to go on from. */
    void restore(List<String> saved) {
        log.addAll(saved);
    }

    /** Oldest first. */
    List<String> lines() {
        return new ArrayList<>(log);
    }

    void note(String line) {
        log.addLast(line);
        while (log.size() > LOG_LINES) {
            log.pollFirst();
        }
    }
}
