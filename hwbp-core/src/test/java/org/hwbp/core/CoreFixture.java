package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.Hit;
import org.hwbp.api.HwbpException;
import org.hwbp.api.PreemptReason;
import org.hwbp.core.accounting.SlotAccounting;
import org.hwbp.core.accounting.SlotUser;
import org.hwbp.core.x86.KernelAddressMap;

/** A fresh plain-Java core with one breakpoint service and one machine view, and shared test helpers. */
final class CoreFixture implements AutoCloseable {
    /** &break_vars[0] of the KUnit test: a kernel data variable (kernel data starts at 0xffffffff82000000). */
    static final long BREAK_VARS = KernelAddressMap.KERNEL_DATA + 0x40_0000L;
    /** A user-space data address, 64-byte aligned. */
    static final long USER_VAR = 0x60_1040L;

    final HwBreakpointCore core;
    final BreakpointServiceImpl bps;
    final MachineImpl machine;

    CoreFixture(int cpus) {
        this(cpus, 1000);
    }

    CoreFixture(int cpus, long callbackTimeoutMillis) {
        core = new HwBreakpointCore(cpus, Policy.LINUX, callbackTimeoutMillis);
        bps = new BreakpointServiceImpl(core, "org.hwbp.test");
        machine = new MachineImpl(core, "org.hwbp.test.machine");
    }

    /** A CPU-bound RW breakpoint on a kernel variable, as the KUnit test registers them. */
    Breakpoint cpuBp(int cpu, int idx) {
        return bps.register(BreakpointSpec.onCpu(cpu, BREAK_VARS + idx, 1, BreakpointSpec.RW), new Recorder());
    }

    /** A task breakpoint (cpu -1 or a CPU) on a kernel variable. */
    Breakpoint taskBp(int cpu, int task, int idx) {
        return bps.register(new BreakpointSpec(BREAK_VARS + idx, 1, BreakpointSpec.RW, cpu, task, false, false),
                new Recorder());
    }

    void assertConsistent() {
        assertThat(core.checkQuiescent()).as("core.check()").isEmpty();
    }

    @Override
    public void close() {
        bps.close();
        machine.close();
        core.shutdown();
    }

    static void assertErrno(Errno errno, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(HwbpException.class, e -> {
            assertThat(e.errno()).as("errno of: " + e.getMessage()).isEqualTo(errno);
            assertThat(e.getMessage()).startsWith(errno.name() + ": ");
        });
    }

    /** A breakpoint as the accounting sees it; identity semantics like struct perf_event. */
    static final class Stub implements SlotUser {
        final int cpu;
        final int task;
        int slotType;

        Stub(int cpu, int task, int slotType) {
            this.cpu = cpu;
            this.task = task;
            this.slotType = slotType;
        }

        @Override
        public int cpu() {
            return cpu;
        }

        @Override
        public int task() {
            return task;
        }

        @Override
        public int slotType() {
            return slotType;
        }

        @Override
        public String toString() {
            return "stub(cpu " + cpu + ", task " + task + ", type " + slotType + ")";
        }
    }

    /** Holds {@code bp}'s constraint locks (bp_constraints_lock) on another thread until closed. */
    static final class LockHolder implements AutoCloseable {
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final Thread thread;

        LockHolder(SlotAccounting acc, SlotUser bp) throws InterruptedException {
            this(() -> acc.lock(bp));
        }

        /** A registration of (cpu, task) in flight in the core (HwBreakpointCore.holdConstraintLock). */
        LockHolder(HwBreakpointCore core, int cpu, int task) throws InterruptedException {
            this(() -> core.holdConstraintLock(cpu, task));
        }

        LockHolder(Callable<AutoCloseable> acquire) throws InterruptedException {
            thread = new Thread(() -> {
                try (AutoCloseable l = acquire.call()) {
                    held.countDown();
                    release.await();
                } catch (Exception e) {
                    Thread.currentThread().interrupt();
                }
            }, "constraint-lock-holder");
            thread.start();
            assertThat(held.await(5, TimeUnit.SECONDS)).as("lock taken").isTrue();
        }

        @Override
        public void close() throws InterruptedException {
            release.countDown();
            thread.join(5000);
            assertThat(thread.isAlive()).isFalse();
        }
    }

    /** A handler recording everything it is told, optionally into a shared journal. */
    static class Recorder implements BreakpointHandler {
        final List<Hit> hits = new CopyOnWriteArrayList<>();
        final List<String> journal;
        final String name;

        Recorder() {
            this(new CopyOnWriteArrayList<>(), "handler");
        }

        Recorder(List<String> journal, String name) {
            this.journal = journal;
            this.name = name;
        }

        @Override
        public void triggered(Breakpoint bp, Hit hit) {
            hits.add(hit);
            journal.add(name + " triggered " + bp.id());
        }

        @Override
        public void preempted(Breakpoint bp, PreemptReason reason) {
            journal.add(name + " preempted " + bp.id() + " " + reason);
        }

        @Override
        public void restored(Breakpoint bp) {
            journal.add(name + " restored " + bp.id());
        }
    }
}
