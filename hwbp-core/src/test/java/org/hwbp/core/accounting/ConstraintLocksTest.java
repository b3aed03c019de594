package org.hwbp.core.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hwbp.api.BreakpointSpec;
import org.junit.jupiter.api.Test;

/**
 * bp_cpuinfo_sem's read side is the task mutex plus a look at the writer's flag ({@link ConstraintLocks}): a CPU
 * breakpoint's registration (the writer) must still exclude every task breakpoint's registration (the readers)
 * and wait for those in flight, readers arriving while a writer waits must queue behind it, and readers of
 * different tasks must not exclude each other.
 */
class ConstraintLocksTest {

    private record Bp(int cpu, int task) implements SlotUser {
        @Override
        public int slotType() {
            return BreakpointSpec.RW;
        }
    }

    private static final Bp CPU_BP = new Bp(0, BreakpointSpec.NO_TASK);

    /** Takes {@code bp}'s constraint locks on a thread of its own; {@link #close()} lets them go. */
    private static final class Holder implements AutoCloseable {
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final Thread thread;

        Holder(ConstraintLocks locks, SlotUser bp) {
            thread = new Thread(() -> {
                TaskBps t = locks.lock(bp);
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    locks.unlock(t);
                }
            }, "holder of " + bp);
            thread.start();
        }

        /** Whether the locks were taken within {@code millis}. */
        boolean heldWithin(long millis) throws InterruptedException {
            return held.await(millis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            release.countDown();
            thread.join(5_000);
            assertThat(thread.isAlive()).isFalse();
        }
    }

    @Test
    void aCpuRegistrationWaitsForATaskRegistrationInFlight() throws Exception {
        ConstraintLocks locks = new ConstraintLocks();
        Holder writer;
        try (Holder reader = new Holder(locks, new Bp(-1, 1))) {
            assertThat(reader.heldWithin(5_000)).isTrue();
            writer = new Holder(locks, CPU_BP);
            assertThat(writer.heldWithin(200)).as("the writer waits for the reader").isFalse();
        }
        assertThat(writer.heldWithin(5_000)).isTrue();
        writer.close();
    }

    @Test
    void aTaskRegistrationArrivingWhileACpuRegistrationWaitsQueuesBehindIt() throws Exception {
        ConstraintLocks locks = new ConstraintLocks();
        Holder writer;
        Holder late;
        try (Holder reader = new Holder(locks, new Bp(-1, 1))) {
            assertThat(reader.heldWithin(5_000)).isTrue();
            writer = new Holder(locks, CPU_BP);
            assertThat(writer.heldWithin(200)).isFalse();
            late = new Holder(locks, new Bp(-1, 2));
            assertThat(late.heldWithin(200)).as("a reader does not overtake a waiting writer").isFalse();
        }
        assertThat(writer.heldWithin(5_000)).isTrue();
        assertThat(late.heldWithin(200)).as("nor get in while the writer holds the tables").isFalse();
        writer.close();
        assertThat(late.heldWithin(5_000)).isTrue();
        late.close();
    }

    @Test
    void taskRegistrationsOfDifferentTasksRunTogether() throws Exception {
        ConstraintLocks locks = new ConstraintLocks();
        try (Holder one = new Holder(locks, new Bp(-1, 1)); Holder two = new Holder(locks, new Bp(2, 2))) {
            assertThat(one.heldWithin(5_000)).isTrue();
            assertThat(two.heldWithin(5_000)).isTrue();
        }
    }

    @Test
    void theFailFastPathOfACpuBreakpointIsRefusedWhileAnyTaskRegistrationIsInFlight() throws Exception {
        ConstraintLocks locks = new ConstraintLocks();
        AtomicInteger ran = new AtomicInteger();
        try (Holder reader = new Holder(locks, new Bp(-1, 7))) {
            assertThat(reader.heldWithin(5_000)).isTrue();
            assertThat(busy(() -> locks.runUnlessLocked(CPU_BP, ran::incrementAndGet))).isTrue();
            // another task's fail-fast path is not refused by it
            locks.runUnlessLocked(new Bp(-1, 8), ran::incrementAndGet);
        }
        locks.runUnlessLocked(CPU_BP, ran::incrementAndGet);
        assertThat(ran).hasValue(2);
        // and a refused attempt left no writer behind: a task registration gets in at once
        try (Holder reader = new Holder(locks, new Bp(-1, 7))) {
            assertThat(reader.heldWithin(5_000)).isTrue();
        }
    }

    @Test
    void writersExcludeEveryReaderUnderContention() throws Exception {
        ConstraintLocks locks = new ConstraintLocks();
        AtomicInteger readersIn = new AtomicInteger();
        AtomicInteger writersIn = new AtomicInteger();
        AtomicLong violations = new AtomicLong();
        AtomicLong readerSections = new AtomicLong();
        AtomicLong writerSections = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int task = 1; task <= 3; task++) {
            Bp bp = new Bp(-1, task);
            threads.add(new Thread(() -> {
                while (!stop.get()) {
                    TaskBps t = locks.lock(bp);
                    try {
                        readersIn.incrementAndGet();
                        if (writersIn.get() != 0) {
                            violations.incrementAndGet();
                        }
                        readerSections.incrementAndGet();
                        readersIn.decrementAndGet();
                    } finally {
                        locks.unlock(t);
                    }
                }
            }, "reader " + task));
        }
        for (int w = 0; w < 2; w++) {
            threads.add(new Thread(() -> {
                while (!stop.get()) {
                    TaskBps t = locks.lock(CPU_BP);
                    try {
                        if (writersIn.incrementAndGet() != 1 || readersIn.get() != 0) {
                            violations.incrementAndGet();
                        }
                        writerSections.incrementAndGet();
                        writersIn.decrementAndGet();
                    } finally {
                        locks.unlock(t);
                    }
                }
            }, "writer " + w));
        }
        threads.forEach(Thread::start);
        Thread.sleep(1_500);
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
            assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
        }
        assertThat(readerSections.get()).isGreaterThan(1_000);
        assertThat(writerSections.get()).isGreaterThan(100);
        assertThat(violations).hasValue(0);
    }

    private static boolean busy(Runnable r) {
        try {
            r.run();
            return false;
        } catch (org.hwbp.api.HwbpException e) {
            assertThat(e.errno()).isEqualTo(org.hwbp.api.Errno.EBUSY);
            return true;
        }
    }
}
