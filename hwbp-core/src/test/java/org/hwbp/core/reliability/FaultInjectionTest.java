package org.hwbp.core.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Hit;
import org.hwbp.api.Holder;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault isolation (issue 8): a handler or listener that throws, one that blocks forever, and one whose owner is
 * closed while its callback runs. The core and the other owners keep working, and every fault is in the event
 * log with the bundle's name.
 */
class FaultInjectionTest {
    private static final long ADDR = 0x60_1040L;
    private static final String GOOD = "org.hwbp.good";
    private static final long TIMEOUT_MS = 100;

    private final HwBreakpointCore core = new HwBreakpointCore(2, Policy.LINUX, TIMEOUT_MS);
    private final MachineImpl machine = new MachineImpl(core, "org.hwbp.test.machine");
    private final BreakpointServiceImpl good = new BreakpointServiceImpl(core, GOOD);
    private final AtomicInteger goodHits = new AtomicInteger();
    private final CountDownLatch never = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        never.countDown();
        good.close();
        machine.close();
        assertThat(core.checkQuiescent()).isEmpty();
        assertThat(core.isUsed()).isFalse();
        core.shutdown();
    }

    private Breakpoint goodBp() {
        return good.register(BreakpointSpec.onCpu(0, ADDR, 8, BreakpointSpec.W), (bp, hit) -> goodHits.incrementAndGet());
    }

    private AccessResult write() {
        return machine.access(0, ADDR, 4, AccessKind.W, true);
    }

    private List<String> faultsOf(String bundle) {
        return core.events().last(1000).stream().filter(e -> e.contains(" fault ") && e.contains("bundle " + bundle))
                .toList();
    }

    /** The rest of the core still works: a new owner registers, an access reaches it, a claim completes. */
    private void coreStillWorks() {
        try (BreakpointServiceImpl late = new BreakpointServiceImpl(core, "org.hwbp.late")) {
            AtomicInteger hits = new AtomicInteger();
            late.register(BreakpointSpec.onCpu(1, ADDR, 8, BreakpointSpec.W), (bp, hit) -> hits.incrementAndGet());
            assertThat(machine.access(1, ADDR, 4, AccessKind.W, true).trapped()).isTrue();
            assertThat(hits.get()).isEqualTo(1);
            long t0 = System.nanoTime();
            DebuggerClaim c = late.debugger().claimAllCpus();
            c.release();
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(2));
        }
        assertThat(core.check()).isEmpty();
    }

    @Test
    void aHandlerThatThrowsOnlyCostsItsOwnCallback() {
        String bad = "org.hwbp.faulty.throws";
        try (BreakpointServiceImpl b = new BreakpointServiceImpl(core, bad)) {
            b.register(BreakpointSpec.onCpu(0, ADDR, 8, BreakpointSpec.W), (bp, hit) -> {
                throw new IllegalStateException("injected");
            });
            goodBp();
            AccessResult r = write();
            assertThat(r.calls()).hasSize(2).allMatch(l -> l.endsWith("triggered"));
            assertThat(goodHits.get()).isEqualTo(1);
            assertThat(faultsOf(bad)).singleElement().asString().contains("injected");
            coreStillWorks();
        }
    }

    @Test
    void aListenerThatThrowsDoesNotStopAClaim() {
        String bad = "org.hwbp.faulty.listener";
        HardwareListener l = new HardwareListener() {
            @Override
            public void claimed(Set<Integer> cpus, Holder holder) {
                throw new IllegalStateException("injected claimed");
            }

            @Override
            public void released(Set<Integer> cpus, Holder holder) {
                throw new IllegalStateException("injected released");
            }
        };
        core.addListener(bad, l, false);
        core.addTaskListener(bad, task -> {
            throw new IllegalStateException("injected taskExited");
        });
        DebuggerClaim c = good.debugger().claimAllCpus();
        assertThat(core.holder(0)).isEqualTo(Holder.DEBUGGER);
        c.release();
        assertThat(core.holder(0)).isEqualTo(Holder.HOST);
        machine.exitTask(machine.createTask("t"));
        assertThat(faultsOf(bad)).hasSize(3);
        core.removeListener(l);
        coreStillWorks();
    }

    @Test
    void aHandlerThatBlocksForeverIsLeftBehindAfterTheBoundedWait() throws Exception {
        String bad = "org.hwbp.faulty.blocks";
        CountDownLatch entered = new CountDownLatch(1);
        try (BreakpointServiceImpl b = new BreakpointServiceImpl(core, bad)) {
            b.register(BreakpointSpec.onCpu(0, ADDR, 8, BreakpointSpec.W), (bp, hit) -> {
                entered.countDown();
                awaitUninterruptibly(never);
            });
            goodBp();
            long t0 = System.nanoTime();
            write();
            write();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(entered.await(1, TimeUnit.SECONDS)).isTrue();
            // One bounded wait; the second access skips the stalled bundle instead of waiting again.
            assertThat(ms).isLessThan(TIMEOUT_MS * 2 + 1000);
            assertThat(goodHits.get()).isEqualTo(2);
            assertThat(faultsOf(bad)).anyMatch(e -> e.contains("blocked for more than"))
                    .anyMatch(e -> e.contains("still blocked"));
            coreStillWorks();
        }
    }

    @Test
    void anOwnerClosedFromInsideItsCallback() throws Exception {
        String bad = "org.hwbp.faulty.closes";
        BreakpointServiceImpl b = new BreakpointServiceImpl(core, bad);
        CountDownLatch done = new CountDownLatch(1);
        b.register(BreakpointSpec.onCpu(0, ADDR, 8, BreakpointSpec.W), new BreakpointHandler() {
            @Override
            public void triggered(Breakpoint bp, Hit hit) {
                b.close();
                done.countDown();
            }
        });
        goodBp();
        assertThat(write().trapped()).isTrue();
        assertThat(done.await(2, TimeUnit.SECONDS)).isTrue();
        assertThat(b.breakpoints()).isEmpty();
        assertThat(goodHits.get()).isEqualTo(1);
        assertThat(write().calls()).singleElement().asString().contains(GOOD);
        coreStillWorks();
    }

    @Test
    void anOwnerClosedWhileItsCallbackIsBlocked() throws Exception {
        String bad = "org.hwbp.faulty.stopped";
        BreakpointServiceImpl b = new BreakpointServiceImpl(core, bad);
        CountDownLatch entered = new CountDownLatch(1);
        b.register(BreakpointSpec.onCpu(0, ADDR, 8, BreakpointSpec.W), (bp, hit) -> {
            entered.countDown();
            awaitUninterruptibly(never);
        });
        goodBp();
        Thread access = new Thread(this::write);
        access.start();
        assertThat(entered.await(2, TimeUnit.SECONDS)).isTrue();
        b.close();
        access.join(5000);
        assertThat(access.isAlive()).isFalse();
        assertThat(b.breakpoints()).isEmpty();
        assertThat(core.breakpoints().size()).isEqualTo(good.breakpoints().size());
        assertThat(write().calls()).singleElement().asString().contains(GOOD);
        coreStillWorks();
    }

    /** Blocks like a callback stuck for good: ignores interrupts until the test ends. */
    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (latch.getCount() > 0) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
