package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hwbp.core.CoreFixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Errno;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Holder;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.GuestSession;
import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.CoreFixture.LockHolder;
import org.hwbp.core.CoreFixture.Recorder;
import org.hwbp.core.machine.Cpu;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The claim protocol basics of product.md §3 (an addition to Linux, whose kgdb and KVM take the registers
 * silently): a debugger claim never waits, the hardware is untouched while claimed and restored exactly from
 * the shadows on release (hw_breakpoint_restore), a guest claim is refused while the debugger holds the CPU,
 * notifications arrive in order, and a throwing or blocking listener affects only its own bundle.
 */
class ClaimProtocolTest {
    private static final long K = CoreFixture.BREAK_VARS;
    private static final Duration QUICK = Duration.ofSeconds(2);
    private final CoreFixture f = new CoreFixture(4, 150);
    private final BreakpointServiceImpl kgdb = new BreakpointServiceImpl(f.core, "org.hwbp.kgdb");

    @AfterEach
    void tearDown() {
        kgdb.close();
        f.assertConsistent();
        f.close();
    }

    /** A recording HardwareListener writing into a shared journal. */
    private static HardwareListener listener(List<String> journal, String name) {
        return new HardwareListener() {
            @Override
            public void claimed(Set<Integer> cpus, Holder holder) {
                journal.add(name + " claimed " + cpus + " " + holder);
            }

            @Override
            public void released(Set<Integer> cpus, Holder holder) {
                journal.add(name + " released " + cpus + " " + holder);
            }
        };
    }

    private long[] writes() {
        long[] w = new long[4];
        for (int c = 0; c < 4; c++) {
            w[c] = f.machine.registers(c).writes();
        }
        return w;
    }

    private long[] reads() {
        long[] r = new long[4];
        for (int c = 0; c < 4; c++) {
            r[c] = f.machine.registers(c).reads();
        }
        return r;
    }

    private void assertRestoredFromShadows() {
        for (int c = 0; c < 4; c++) {
            long[] hw = f.core.hardware(c);
            DebugRegisters r = f.machine.registers(c);
            for (int i = 0; i < 4; i++) {
                assertThat(hw[i]).as("CPU %d DR%d", c, i).isEqualTo(r.shadowAddress(i));
            }
            assertThat(hw[6]).isEqualTo(Dr6.RESET);
            assertThat(hw[7] & ~Dr7.FIXED_1).as("CPU %d DR7", c).isEqualTo(r.shadowDr7());
            assertThat(f.machine.holder(c)).isEqualTo(Holder.HOST);
        }
    }

    @Test
    void debuggerClaimCompletesWhileARegistrationBlocksHoldingTheConstraintLock() throws Exception {
        f.cpuBp(0, 0);
        AtomicReference<Breakpoint> late = new AtomicReference<>();
        Thread blocked;
        DebuggerClaim claim;
        try (LockHolder h = new LockHolder(f.core, 1, 0)) {
            // a second registration queues behind the one in flight
            blocked = new Thread(() -> late.set(f.cpuBp(2, 1)));
            blocked.start();
            blocked.join(100);
            assertThat(blocked.isAlive()).isTrue();
            claim = assertTimeoutPreemptively(QUICK, () -> kgdb.debugger().claimAllCpus());
            assertThat(claim.isActive()).isTrue();
            assertThat(claim.cpus()).containsExactly(0, 1, 2, 3);
            for (int c = 0; c < 4; c++) {
                assertThat(f.machine.holder(c)).isEqualTo(Holder.DEBUGGER);
                assertThat(f.core.hardware(c)[7]).as("kgdb_disable_hw_debug: DR7 = 0x400").isEqualTo(0x400);
            }
        }
        long[] w = writes();
        blocked.join(5000);
        assertThat(late.get()).isNotNull();
        assertThat(writes()).as("the registration finished during the claim: hardware untouched").isEqualTo(w);
        assertThat(f.machine.registers(2).shadowDr7()).isNotZero();
        claim.release();
        assertRestoredFromShadows();
    }

    @Test
    void debuggerClaimDoesNotWaitForACpuInAnIrqsOffSection() throws Exception {
        f.cpuBp(0, 0);
        Cpu cpu0 = f.core.shadow(0).cpu();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread irqsOff = new Thread(() -> {
            cpu0.lock().lock();
            held.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                cpu0.unlockAndApplyPending();
            }
        });
        irqsOff.start();
        assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
        DebuggerClaim claim = assertTimeoutPreemptively(QUICK, () -> kgdb.debugger().claimAllCpus());
        assertThat(f.machine.holder(0)).isEqualTo(Holder.DEBUGGER);
        assertThat(f.core.hardware(1)[7]).isEqualTo(0x400);
        done.countDown();
        irqsOff.join(5000);
        assertThat(f.core.hardware(0)[7]).as("applied as the CPU leaves its IRQs-off section").isEqualTo(0x400);
        claim.release();
        assertRestoredFromShadows();
    }

    @Test
    void hardwareIsUntouchedWhileClaimedAndRestoredExactlyOnRelease() {
        int t = f.machine.createTask("t");
        int u = f.machine.createTask("u");
        Breakpoint c0 = f.cpuBp(0, 0);
        f.cpuBp(1, 1);
        f.taskBp(-1, t, 2);
        f.machine.switchTo(2, t);
        long[] w0 = writes();
        DebuggerClaim claim = kgdb.debugger().claimAllCpus();
        long[] w1 = writes();
        for (int c = 0; c < 4; c++) {
            assertThat(w1[c] - w0[c]).as("CPU %d: one DR7 write entering the debugger", c).isEqualTo(1);
        }
        long[] r1 = reads();
        // registrations, modifications, unregistrations and scheduling while claimed
        Breakpoint during = f.cpuBp(3, 3);
        f.taskBp(-1, u, 4);
        f.machine.switchTo(0, u);
        f.machine.switchTo(3, t);
        c0.modify(c0.spec().withAddress(K + 64));
        f.cpuBp(0, 5).unregister();
        assertThat(writes()).isEqualTo(w1);
        assertThat(reads()).isEqualTo(r1);
        for (int c = 0; c < 4; c++) {
            assertThat(f.core.hardware(c)[7]).isEqualTo(0x400);
        }
        assertThat(during.installedSlot(3)).as("installed in the shadows").isZero();
        assertThat(f.machine.registers(3).shadowDr7()).isNotZero();
        assertThat(f.machine.registers(2).shadowDr7()).as("t left CPU 2").isEqualTo(Dr7.GE);
        f.assertConsistent();

        claim.release();
        long[] w2 = writes();
        for (int c = 0; c < 4; c++) {
            assertThat(w2[c] - w1[c]).as("CPU %d: hw_breakpoint_restore", c).isEqualTo(6);
        }
        assertThat(reads()).isEqualTo(r1);
        assertRestoredFromShadows();
        assertThat(f.core.hardware(0)[0]).isEqualTo(K + 64);
        assertThat(claim.isActive()).isFalse();
        claim.release();
        assertThat(writes()).as("release is idempotent").isEqualTo(w2);
        f.assertConsistent();
    }

    /**
     * A client's claims share one handle, as kgdb has one debugger state (so a claim allocates nothing): a
     * release after the release does nothing, the next claim of the client returns the same handle active
     * again, and whichever reference of it is released ends that claim, once.
     */
    @Test
    void aClientsClaimsShareOneHandle() {
        DebuggerClaim first = kgdb.debugger().claimAllCpus();
        first.release();
        long[] w = writes();
        first.release();
        assertThat(writes()).as("a second release does nothing").isEqualTo(w);
        assertThat(f.machine.holder(0)).isEqualTo(Holder.HOST);

        DebuggerClaim second = kgdb.debugger().claimAllCpus();
        assertThat(second).isSameAs(first);
        assertThat(second.isActive()).isTrue();
        assertThat(f.machine.holder(3)).isEqualTo(Holder.DEBUGGER);
        first.release();
        assertThat(second.isActive()).isFalse();
        assertThat(f.machine.holder(3)).isEqualTo(Holder.HOST);
        assertThat(f.core.events().last(1000)).as("each claim released once")
                .filteredOn(e -> e.endsWith(" release cpus=0-3 holder=DEBUGGER bundle=org.hwbp.kgdb")).hasSize(2);

        try (BreakpointServiceImpl other = new BreakpointServiceImpl(f.core, "org.hwbp.other")) {
            DebuggerClaim theirs = other.debugger().claimAllCpus();
            assertThat(theirs).isNotSameAs(first);
            first.release();
            assertThat(theirs.isActive()).as("another client's claim is not this handle's").isTrue();
            assertThat(f.machine.holder(0)).isEqualTo(Holder.DEBUGGER);
            theirs.release();
        }
    }

    @Test
    void guestClaimIsRefusedWhileTheDebuggerHoldsTheCpu() {
        DebuggerClaim claim = kgdb.debugger().claimAllCpus();
        assertErrno(Errno.EBUSY, () -> f.machine.enterGuest(0, 1, 0));
        assertErrno(Errno.EBUSY, () -> kgdb.debugger().claimAllCpus());
        assertThat(f.machine.holder(0)).isEqualTo(Holder.DEBUGGER);
        claim.release();
        try (GuestSession g = f.machine.enterGuest(0, 1, 0)) {
            assertThat(f.machine.holder(0)).isEqualTo(Holder.guest(1, 0));
            assertThat(g.holder()).isEqualTo(Holder.guest(1, 0));
            assertErrno(Errno.EBUSY, () -> f.machine.enterGuest(0, 2, 0));
        }
        assertThat(f.machine.holder(0)).isEqualTo(Holder.HOST);
    }

    @Test
    void registrationsDuringAGuestSessionReachTheHardwareAtExit() {
        GuestSession g = f.machine.enterGuest(1, 1, 0);
        long w = f.machine.registers(1).writes();
        Breakpoint bp = f.cpuBp(1, 0);
        assertThat(f.machine.registers(1).writes()).isEqualTo(w);
        assertThat(bp.installedSlot(1)).isZero();
        g.close();
        assertThat(f.machine.registers(1).writes() - w).isEqualTo(6);
        assertRestoredFromShadows();
    }

    @Test
    void notificationsClaimedBeforePreemptedAndRestoredBeforeReleased() {
        List<String> journal = new CopyOnWriteArrayList<>();
        f.core.addListener("org.hwbp.listener", listener(journal, "L"), false);
        Recorder h = new Recorder(journal, "P");
        int t = f.machine.createTask("t");
        Breakpoint installed = f.bps.register(BreakpointSpec.onCpu(1, K, 1, BreakpointSpec.W), h);
        f.bps.register(BreakpointSpec.onCpu(2, K, 1, BreakpointSpec.W).withDisabled(true), h);
        f.bps.register(BreakpointSpec.forTask(t, K, 1, BreakpointSpec.W), h); // t does not run
        Breakpoint own = kgdb.register(BreakpointSpec.onCpu(3, K, 1, BreakpointSpec.W), new Recorder(journal, "K"));
        DebuggerClaim claim = kgdb.debugger().claimAllCpus();
        assertThat(journal).containsExactly(
                "L claimed [0, 1, 2, 3] DEBUGGER",
                "P preempted " + installed.id() + " DEBUGGER_CLAIM");
        journal.clear();
        claim.release();
        assertThat(journal).containsExactly(
                "P restored " + installed.id(),
                "L released [0, 1, 2, 3] DEBUGGER");
        assertThat(own.installedSlot(3)).isZero();
    }

    @Test
    void guestNotificationsOnlyForInterestedPartiesAndInOrder() {
        List<String> journal = new CopyOnWriteArrayList<>();
        f.cpuBp(0, 0);
        try (GuestSession g = f.machine.enterGuest(0, 1, 0)) {
            assertThat(g.cpu()).isZero();
        }
        assertThat(f.core.events().last(100)).noneMatch(e -> e.contains("holder=GUEST"));
        f.core.addListener("org.hwbp.other", listener(journal, "N"), false);
        f.core.addListener("org.hwbp.guests", listener(journal, "G"), true);
        Recorder wants = new Recorder(journal, "W") {
            @Override
            public boolean wantsGuestClaims() {
                return true;
            }
        };
        Breakpoint bp = f.bps.register(BreakpointSpec.onCpu(0, K + 8, 1, BreakpointSpec.W), wants);
        try (GuestSession g = f.machine.enterGuest(0, 1, 2)) {
            assertThat(journal).containsExactly("G claimed [0] GUEST 1/2",
                    "W preempted " + bp.id() + " GUEST_CLAIM");
            journal.clear();
        }
        assertThat(journal).containsExactly("W restored " + bp.id(), "G released [0] GUEST 1/2");
    }

    @Test
    void aThrowingAndABlockingListenerDoNotPreventOthers() throws Exception {
        List<String> journal = new CopyOnWriteArrayList<>();
        CountDownLatch unblock = new CountDownLatch(1);
        f.core.addListener("org.hwbp.thrower", new HardwareListener() {
            @Override
            public void claimed(Set<Integer> cpus, Holder holder) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void released(Set<Integer> cpus, Holder holder) {
                throw new IllegalStateException("boom again");
            }
        }, false);
        f.core.addListener("org.hwbp.blocker", new HardwareListener() {
            @Override
            public void claimed(Set<Integer> cpus, Holder holder) {
                try {
                    unblock.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void released(Set<Integer> cpus, Holder holder) {
                journal.add("blocker released");
            }
        }, false);
        f.core.addListener("org.hwbp.good", listener(journal, "good"), false);
        // a breakpoint handler that throws does not stop the others' notifications either
        f.bps.register(BreakpointSpec.onCpu(0, K, 1, BreakpointSpec.W), new Recorder() {
            @Override
            public void preempted(Breakpoint bp, org.hwbp.api.PreemptReason reason) {
                throw new IllegalStateException("handler boom");
            }
        });
        BreakpointServiceImpl other = new BreakpointServiceImpl(f.core, "org.hwbp.other");
        Recorder ok = new Recorder(journal, "ok");
        Breakpoint b1 = other.register(BreakpointSpec.onCpu(1, K, 1, BreakpointSpec.W), ok);
        try {
            long start = System.nanoTime();
            DebuggerClaim claim = assertTimeoutPreemptively(QUICK, () -> kgdb.debugger().claimAllCpus());
            assertThat(journal).containsExactly("good claimed [0, 1, 2, 3] DEBUGGER",
                    "ok preempted " + b1.id() + " DEBUGGER_CLAIM");
            journal.clear();
            assertTimeoutPreemptively(QUICK, claim::release);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(QUICK);
            // the blocker is still stuck: its released() is skipped, the others are told
            assertThat(journal).containsExactly("ok restored " + b1.id(), "good released [0, 1, 2, 3] DEBUGGER");
            List<String> events = f.core.events().last(100);
            assertThat(events).anyMatch(e -> e.contains("fault") && e.contains("org.hwbp.thrower"));
            assertThat(events).anyMatch(e -> e.contains("fault") && e.contains("org.hwbp.blocker"));
            assertThat(events).anyMatch(e -> e.contains("fault") && e.contains("org.hwbp.test"));
            assertRestoredFromShadows();
        } finally {
            unblock.countDown();
            other.close();
        }
    }

    @Test
    void closingTheDebuggerBundleReleasesItsClaim() {
        kgdb.debugger().claimAllCpus();
        long[] w = writes();
        kgdb.close();
        for (int c = 0; c < 4; c++) {
            assertThat(f.machine.registers(c).writes() - w[c]).isEqualTo(6);
        }
        assertRestoredFromShadows();
        assertThat(f.core.debuggerActive()).isFalse();
    }
}
