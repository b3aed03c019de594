package org.hwbp.kgdb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Hit;
import org.hwbp.api.Holder;
import org.hwbp.api.PreemptReason;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.hwbp.kgdb.gdb.GdbStub;
import org.hwbp.kgdb.model.DebugCore;

/** A plain-Java core with kgdb on it and a second owner ("the shell") to compete for slots. */
public final class Fixture implements AutoCloseable {
    public static final String KGDB = "org.hwbp.kgdb-client";
    public static final String OTHER = "org.hwbp.shell";
    /** Kernel data addresses, aligned for every length. */
    public static final long DATA = 0xFFFF_FFFF_8200_1000L;
    public static final long DATA2 = 0xFFFF_FFFF_8200_2000L;
    /** A kernel text address an execute breakpoint may use. */
    public static final long TEXT = 0xFFFF_FFFF_8123_4560L;

    public final HwBreakpointCore core;
    public final BreakpointServiceImpl kgdbService;
    public final BreakpointServiceImpl other;
    public final MachineImpl machine;
    public final List<String> log = Collections.synchronizedList(new ArrayList<>());
    /** What the other owner's handlers and the hardware listener were told, in order. */
    public final List<String> told = Collections.synchronizedList(new ArrayList<>());
    public DebugCore kgdb;
    public GdbStub stub;

    public Fixture(int cpus, Policy policy) {
        core = new HwBreakpointCore(cpus, policy, 1000);
        kgdbService = new BreakpointServiceImpl(core, KGDB);
        other = new BreakpointServiceImpl(core, OTHER);
        machine = new MachineImpl(core, OTHER);
        core.addListener(OTHER, new HardwareListener() {
            @Override
            public void claimed(Set<Integer> c, Holder holder) {
                told.add("claimed " + c + " " + holder);
            }

            @Override
            public void released(Set<Integer> c, Holder holder) {
                told.add("released " + c + " " + holder);
            }
        }, false);
    }

    public Fixture() {
        this(4, Policy.LINUX);
    }

    /** kgdb_arch_late() now. */
    public Fixture startKgdb() {
        kgdb = new DebugCore(kgdbService, log::add);
        stub = new GdbStub(kgdb);
        return this;
    }

    public String packet(String p) {
        return stub.handle(p);
    }

    /** A handler of the other owner that records its callbacks. */
    public BreakpointHandler recorder(String name) {
        return new BreakpointHandler() {
            @Override
            public void triggered(Breakpoint bp, Hit hit) {
                told.add(name + " triggered");
            }

            @Override
            public void preempted(Breakpoint bp, PreemptReason reason) {
                told.add(name + " preempted " + reason);
            }

            @Override
            public void restored(Breakpoint bp) {
                told.add(name + " restored");
            }
        };
    }

    /** A CPU-bound write breakpoint of the other owner on {@code cpu}. */
    public Breakpoint otherOnCpu(int cpu, long addr, String name) {
        return other.register(BreakpointSpec.onCpu(cpu, addr, 8, BreakpointSpec.W), recorder(name));
    }

    /** Fills {@code cpu} with four CPU-bound breakpoints of the other owner. */
    public List<Breakpoint> fill(int cpu) {
        List<Breakpoint> l = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            l.add(otherOnCpu(cpu, DATA2 + 0x100 + 8L * i, "cpu" + cpu + "-" + i));
        }
        return l;
    }

    public long hwDr7(int cpu) {
        return core.hardware(cpu)[7];
    }

    public long hwDr(int cpu, int n) {
        return core.hardware(cpu)[n];
    }

    /**
     * Holds the constraint locks of a registration in flight on another thread (as a registration that is
     * between bp_constraints_lock() and bp_constraints_unlock()) until the returned handle is closed.
     */
    public AutoCloseable registrationInFlight(int cpu, int task) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (AutoCloseable lock = core.holdConstraintLock(cpu, task)) {
                held.countDown();
                done.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "registration in flight");
        t.start();
        if (!held.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the constraint lock was not taken");
        }
        return () -> {
            done.countDown();
            t.join(5000);
        };
    }

    @Override
    public void close() {
        core.shutdown();
    }
}
