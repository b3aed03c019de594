package org.hwbp.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The event ring adds without a lock; readers see whole events, numbered in order, each once. */
class EventLogTest {

    @Test
    void numbersTheLastEventsInOrder() {
        EventLog log = new EventLog();
        for (int i = 1; i <= 1005; i++) {
            log.add("e" + i);
        }
        List<String> last = log.last(3);
        assertEquals(List.of("1003 e1003", "1004 e1004", "1005 e1005"), last);
        assertEquals(1000, log.last(5000).size());
        assertEquals("6 e6", log.last(5000).get(0));
    }

    @Test
    void concurrentWritersAndReadersSeeConsistentEvents() throws Exception {
        EventLog log = new EventLog();
        int writers = 4;
        int each = 50_000;
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> problem = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!done.get() && problem.get() == null) {
                check(log.last(1000), problem);
            }
        });
        reader.start();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            Thread t = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    log.add("w" + id + " " + i);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        done.set(true);
        reader.join();
        assertEquals(null, problem.get());
        List<String> last = log.last(1000);
        assertEquals(1000, last.size());
        check(last, problem);
        assertEquals(null, problem.get());
        long first = Long.parseLong(last.get(0).split(" ")[0]);
        assertEquals((long) writers * each - 999, first, "the last thousand numbers, none lost");
    }

    /** Numbers strictly increase; each writer's events appear in the order it added them. */
    private static void check(List<String> lines, AtomicReference<String> problem) {
        long previous = 0;
        Map<String, Integer> lastOf = new HashMap<>();
        for (String line : lines) {
            String[] p = line.split(" ");
            long number = Long.parseLong(p[0]);
            int i = Integer.parseInt(p[2]);
            Integer before = lastOf.put(p[1], i);
            if (number <= previous || (before != null && before >= i) || p.length != 3) {
                problem.compareAndSet(null, "out of order or torn: " + line + " after " + previous + " in " + lines);
            }
            previous = number;
        }
        assertTrue(lines.size() <= 1000);
    }
}
