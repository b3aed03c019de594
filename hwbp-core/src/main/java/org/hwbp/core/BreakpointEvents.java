package org.hwbp.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.Machine;
import org.hwbp.core.accounting.SlotAccounting;
import org.hwbp.core.cacheline.PaddedCounter;
import org.hwbp.core.x86.ArchInfo;

/**
 * perf's breakpoint events, the API side of kernel/events/hw_breakpoint.c: register_user_hw_breakpoint() /
 * perf_event_open(), register_wide_hw_breakpoint(), modify_user_hw_breakpoint() and unregister_hw_breakpoint().
 * A registration reserves its slot in the {@link SlotAccounting} first, then parses the attributes
 * (arch/x86 hw_breakpoint_arch_parse, so ENOSPC wins over EINVAL), then publishes and installs the event.
 */
final class BreakpointEvents {
    private final HwBreakpointCore core;
    private final SlotAccounting accounting;
    /** Taken by every registration: on lines of its own, away from what the debugger's claim writes. */
    final PaddedCounter nextSerial = new PaddedCounter(1);
    /** Every registered event by serial: registration order. */
    final ConcurrentSkipListMap<Long, PerfEvent> all = new ConcurrentSkipListMap<>();

    BreakpointEvents(HwBreakpointCore core, SlotAccounting accounting) {
        this.core = core;
        this.accounting = accounting;
    }

    /** perf_event_open() of a breakpoint: reserve, then parse (ENOSPC wins over EINVAL), then install. */
    PerfEvent register(Owner o, BreakpointSpec spec, BreakpointHandler handler) {
        core.restart.adopt(o);
        CoreSnapshot.Event was = o.takeReturning(spec, false);
        PerfEvent ev;
        try {
            ev = create(o, spec, handler, false, was);
        } catch (HwbpException e) {
            o.giveBack(was);
            throw e;
        }
        ev.id = was != null ? was.id() : o.nextId();
        publish(o, ev);
        core.owners.outlivesOwner(o, ev::unregister);
        return ev;
    }

    /** register_wide_hw_breakpoint(): one event per online CPU, all or nothing. */
    WideEvent registerWide(Owner o, BreakpointSpec spec, BreakpointHandler handler) {
        core.restart.adopt(o);
        List<PerfEvent> parts = new ArrayList<>();
        List<CoreSnapshot.Event> was = new ArrayList<>();
        try {
            for (int cpu = 0; cpu < core.cpus.count; cpu++) {
                BreakpointSpec s = new BreakpointSpec(spec.address(), spec.length(), spec.type(), cpu,
                        BreakpointSpec.NO_TASK, spec.disabled(), spec.excludeKernel());
                was.add(o.takeReturning(s, true));
                parts.add(create(o, s, handler, true, was.get(cpu)));
            }
        } catch (HwbpException e) {
            for (PerfEvent p : parts) {
                accounting.release(p);
                p.reserved = false;
            }
            was.forEach(o::giveBack);
            throw e;
        }
        int id = was.get(0) != null ? was.get(0).id() : o.nextId();
        WideEvent wide = new WideEvent(id, parts, o);
        o.wides.add(wide);
        for (PerfEvent p : parts) {
            p.id = id;
            publish(o, p);
        }
        core.owners.outlivesOwner(o, wide::unregister);
        return wide;
    }

    /** Checks the target, reserves a slot and parses; the event is not yet visible. */
    private PerfEvent create(Owner o, BreakpointSpec spec, BreakpointHandler handler, boolean widePart,
            CoreSnapshot.Event was) {
        core.owners.checkOpen(o);
        try {
            if (spec.cpu() < BreakpointSpec.ANY_CPU || spec.cpu() >= core.cpus.count) {
                throw new HwbpException(Errno.EINVAL, "no CPU " + spec.cpu() + " (0.." + (core.cpus.count - 1) + ")");
            }
            if (spec.isTaskBound()) {
                core.sched.liveTask(spec.task());
            } else if (spec.cpu() == BreakpointSpec.ANY_CPU) {
                // perf_event_alloc() refuses cpu -1 without a task before any slot accounting.
                throw new HwbpException(Errno.EINVAL, "a breakpoint needs a CPU, a task, or both");
            }
            // A breakpoint returning after a restart keeps its serial: "most recently registered" and the
            // order of hwbp:list stay what they were.
            long serial = was != null ? was.serial() : nextSerial.getAndIncrement();
            PerfEvent ev = new PerfEvent(core, serial, o, spec, null, handler, widePart);
            accounting.reserve(ev);
            ev.reserved = true;
            try {
                ev.info = core.parser.parse(spec, true);
            } catch (HwbpException e) {
                accounting.release(ev);
                ev.reserved = false;
                throw e;
            }
            return ev;
        } catch (HwbpException e) {
            core.stats.refusals.increment();
            throw e;
        }
    }

    /**
     * Makes {@code ev} visible. Under its monitor, as {@link #unregister} runs: a close of the owner that finds it
     * in the owner's set must not unregister it before it is in every table (it would stay listed, unregistered).
     */
    private void publish(Owner o, PerfEvent ev) {
        synchronized (ev) {
            ev.registered = true;
            o.events.add(ev);
            all.put(ev.serial, ev);
            if (ev.spec.isTaskBound()) {
                Scheduler.TaskState t = core.sched.tasks.get(ev.spec.task());
                t.events.add(ev);
            }
            core.stats.registrations.increment();
            core.pmu.installIfRunnable(ev);
        }
    }

    /**
     * modify_user_hw_breakpoint(): the event is disabled (uninstalled), the new attributes parsed, the slot
     * re-reserved only if the type changes; on failure the old attributes stay. It is re-enabled iff the
     * resulting attributes are not disabled. Address and length changes never re-check slot capacity.
     */
    void modify(PerfEvent ev, BreakpointSpec attrs) {
        core.owners.checkOpen(ev.owner);
        synchronized (ev) {
            if (!ev.registered) {
                throw new HwbpException(Errno.ENOENT, "breakpoint " + ev.id + " is not registered");
            }
            BreakpointSpec old = ev.spec;
            BreakpointSpec next = new BreakpointSpec(attrs.address(), attrs.length(), attrs.type(), old.cpu(),
                    old.task(), attrs.disabled(), old.excludeKernel());
            core.pmu.uninstall(ev);
            try {
                // hw_breakpoint_parse(bp, attr, &hw) checks the new attr's exclude_kernel, but
                // hw_breakpoint_copy_attr() copies only addr, type, len and disabled: the old flag stays.
                ArchInfo info = core.parser.parse(next.withExcludeKernel(attrs.excludeKernel()), true);
                if (next.type() != old.type() && ev.reserved && !ev.preempted) {
                    ev.slotType = next.type();
                    try {
                        accounting.modify(ev, old.type(), next.type());
                    } catch (HwbpException e) {
                        ev.slotType = old.type();
                        throw e;
                    }
                }
                ev.spec = next;
                ev.info = info;
            } finally {
                core.pmu.installIfRunnable(ev);
            }
        }
    }

    /** unregister_hw_breakpoint(): uninstall, release the slot; then give preempted breakpoints a chance. */
    void unregister(PerfEvent ev) {
        core.restart.captureIfStopping();
        synchronized (ev) {
            if (!ev.registered) {
                return;
            }
            ev.registered = false;
            core.pmu.uninstallUnregistered(ev);
            if (ev.spec.isTaskBound()) {
                Scheduler.TaskState t = core.sched.tasks.get(ev.spec.task());
                if (t != null) {
                    t.events.remove(ev);
                }
            }
            if (ev.reserved || ev.preempted) {
                // Decided under the constraint locks: a restore of a preempted event
                // (KgdbBreakpoints.restorePreempted) reserves its slot under them, having seen it still registered;
                // read outside them, "not reserved" could be stale and that slot would stay taken for good.
                try (SlotAccounting.ConstraintLock l = accounting.lock(ev)) {
                    if (ev.reserved) {
                        accounting.releaseLocked(ev);
                        ev.reserved = false;
                    }
                }
            }
            ev.preempted = false;
            core.kgdb.preempted.remove(ev);
            ev.owner.events.remove(ev);
            all.remove(ev.serial);
        }
        core.kgdb.restorePreempted();
    }

    /**
     * A registration of a breakpoint on ({@code cpu}, {@code task}) stuck "in flight": a thread of its own takes
     * the constraint locks such a registration holds (task mutex + read side for a task, write side for a
     * CPU-bound one) and keeps them until the returned handle is closed (from any thread). Meanwhile the
     * debugger's fail-fast path refuses (kgdb answers E01) and claims still complete; other registrations wait.
     */
    AutoCloseable holdConstraintLock(int cpu, int task) {
        int ncpus = core.cpus.count;
        if (cpu < BreakpointSpec.ANY_CPU || cpu >= ncpus || (cpu == BreakpointSpec.ANY_CPU && task == Machine.IDLE)) {
            throw new HwbpException(Errno.EINVAL, "a registration in flight needs a CPU (0.." + (ncpus - 1)
                    + "), a task, or both");
        }
        if (task != Machine.IDLE) {
            core.sched.liveTask(task); // ESRCH, as perf_event_open for a task that does not exist
        }
        BreakpointSpec s = new BreakpointSpec(0, 1, BreakpointSpec.W, cpu, task, true, false);
        PerfEvent probe = new PerfEvent(core, 0, new Owner("constraint-lock"), s, null, null, false);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try (SlotAccounting.ConstraintLock l = accounting.lock(probe)) {
                held.countDown();
                awaitUninterruptibly(done);
            }
        }, "hwbp registration in flight");
        holder.setDaemon(true);
        holder.start();
        awaitUninterruptibly(held);
        return () -> {
            done.countDown();
            holder.join();
        };
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
