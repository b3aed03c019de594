package org.hwbp.kgdb.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Errno;
import org.hwbp.api.Hit;
import org.hwbp.api.HwbpException;

/**
 * The parts of kernel/debug/debug_core.c that move the machine in and out of the debugger: kgdb_cpu_enter()
 * (the claim of every CPU, then {@code disable_hw_break} on each) and its way out ({@code correct_hw_break} on
 * each CPU, then the release, which restores every CPU from the shadows). One lock serialises everything kgdb
 * does, as Linux has one CPU in the debugger and the others held in kgdb_wait().
 *
 * <p>Linux talks to gdb only while the machine is stopped. The sandbox also accepts packets while it runs; such
 * a packet is handled as within a stop, as far as kgdb's own events go: they are taken out before it and put
 * back after it (kgdb_disable_hw_debug()'s and kgdb_correct_hw_break()'s own parts), without touching anyone
 * else's registers. So a {@code Z} sent while running is armed at once, and a {@code z} never leaves an
 * installed event without its slot.
 */
public final class DebugCore {
    /** SIGTRAP, the signal of every stop kgdb reports here (breakpoint hits and sysrq-g alike). */
    public static final int SIGTRAP = 5;
    /** SIGINT, the signal of a stop gdb asked for (its Ctrl-C). */
    public static final int SIGINT = 2;

    /**
     * Told, after kgdb's lock is released, that the machine entered the debugger because of a hit or a break
     * request: the CPU that entered, the signal, and the breakinfo entry that hit (null for a break request).
     * The gdb server's target turns it into a stop reply.
     */
    public interface StopSink {
        void stopped(int cpu, int signal, Entry hit);
    }

    private volatile StopSink stopSink = (cpu, signal, hit) -> { };

    private final X86Kgdb arch;
    private final BreakpointService bps;
    private final int cpus;
    private final Consumer<String> log;
    private DebuggerClaim claim;
    /** The CPU that runs the debugger (kgdb_active); "this CPU" of kgdb_remove_all_hw_break(). */
    private int masterCpu;
    private String lastStop = "none";

    /** Set by {@link #close()}: the events are gone, every packet answers EBUSY. */
    private boolean closed;

    /** kgdb_arch_late() on {@code bps}; {@link #disabledBy()} tells whether it failed. */
    public DebugCore(BreakpointService bps, Consumer<String> log) {
        this(bps, log, KgdbState.INITIAL);
    }

    /**
     * kgdb_arch_late() on {@code bps}, then {@code saved} brought back (kgdb or the core restarted): each saved
     * entry reserves its slots again, into the same breakinfo index; then, if the debugger held the machine, it
     * claims every CPU again, else its entries are installed as after a {@code Z} packet. An entry whose slots
     * were taken meanwhile is kept as unrestored and reported to {@code log}.
     */
    public DebugCore(BreakpointService bps, Consumer<String> log, KgdbState saved) {
        this.bps = bps;
        this.log = log;
        this.arch = new X86Kgdb(bps, log);
        this.cpus = arch.cpus();
        arch.setHitSink(this::hit);
        restore(saved);
    }

    private synchronized void restore(KgdbState saved) {
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            KgdbState.BreakEntry e = saved.entries().get(i);
            if (e == null) {
                continue;
            }
            HwbpException refused = arch.restoreEntry(i, e);
            if (refused != null) {
                log.accept(String.format("kgdb: bp %d %s 0x%x len %d: not restored: %s", i,
                        BreakpointSpec.typeName(e.type()), e.addr(), e.len(), refused.getMessage()));
            }
        }
        arch.setLastFailure(saved.lastFailure());
        lastStop = saved.lastStop();
        masterCpu = saved.masterCpu();
        if (arch.disabledBy() != null) {
            return;
        }
        if (saved.stopped()) {
            try {
                enter(saved.masterCpu(), saved.lastStop());
            } catch (HwbpException e) {
                log.accept("kgdb: could not hold the machine again: " + e.getMessage());
            }
        } else {
            for (int c = 0; c < cpus; c++) {
                arch.correctHwBreak(c);
            }
        }
    }

    /**
     * What {@link KgdbState} keeps: the entries, whether the debugger holds the machine, last stop and failure.
     * "Holds" is kgdb's own view (no continue since the break): when the core goes it may have released the
     * claim already, and kgdb then claims the machine again on the next core.
     */
    public synchronized KgdbState snapshot() {
        return new KgdbState(arch.snapshot(), claim != null, masterCpu, lastStop, arch.lastFailure());
    }

    /** The failure that disabled kgdb at activation, or null. */
    public HwbpException disabledBy() {
        return arch.disabledBy();
    }

    private void checkEnabled() {
        if (closed) {
            // A command that took this session just before the client left the core (core or bundle restart).
            throw new HwbpException(Errno.EBUSY, "core unavailable");
        }
        HwbpException e = arch.disabledBy();
        if (e != null) {
            throw new HwbpException(e.errno(), "kgdb disabled: could not allocate hw breakpoints");
        }
    }

    /** Whether the debugger holds the machine. */
    public synchronized boolean stopped() {
        return claim != null && claim.isActive();
    }

    /** {@code kgdb:break}: sysrq-g, i.e. kgdb_breakpoint() on CPU 0. EBUSY if the debugger holds the machine. */
    public void breakIn() {
        synchronized (this) {
            checkEnabled();
            enter(0, "break request (sysrq-g) on cpu 0");
        }
        stopSink.stopped(0, SIGTRAP, null);
    }

    /** Who is told of stops (the gdb server's target); {@code null}: nobody. */
    public void setStopSink(StopSink sink) {
        this.stopSink = sink == null ? (cpu, signal, hit) -> { } : sink;
    }

    /**
     * gdb connects or interrupts (0x03): kgdb_breakpoint() on CPU 0 unless the debugger holds the machine
     * already. Returns whether this call entered the debugger. Nobody is told: the caller answers gdb itself.
     */
    public synchronized boolean enterIfRunning(String reason) {
        checkEnabled();
        if (stopped()) {
            return false;
        }
        enter(0, reason);
        return true;
    }

    /** The CPU that runs the debugger (kgdb_active), or ran it last. */
    public synchronized int masterCpu() {
        return masterCpu;
    }

    /** {@code kgdb:continue}: leaves the debugger. EINVAL if it does not hold the machine. */
    public synchronized void resume() {
        checkEnabled();
        if (!stopped()) {
            throw new HwbpException(Errno.EINVAL, "the debugger does not hold the machine");
        }
        leave();
    }

    /** kgdb_cpu_enter() on every CPU: the core's claim sets DR7 to 0x400; then kgdb's own events come out. */
    private void enter(int cpu, String reason) {
        claim = bps.debugger().claimAllCpus();
        for (int c = 0; c < cpus; c++) {
            arch.disableHwDebug(c);
        }
        masterCpu = cpu;
        lastStop = reason;
    }

    /** Every CPU leaving: kgdb_correct_hw_break() installs kgdb's entries, the release restores every CPU. */
    private void leave() {
        for (int c = 0; c < cpus; c++) {
            arch.correctHwBreak(c);
        }
        DebuggerClaim held = claim;
        claim = null;
        held.release();
    }

    /**
     * Runs one gdb packet as within a stop (see the class comment for packets that arrive while the machine
     * runs). EBUSY-free: nothing here waits.
     */
    public synchronized <T> T inStop(Supplier<T> packet) {
        checkEnabled();
        boolean running = !stopped();
        if (running) {
            for (int c = 0; c < cpus; c++) {
                arch.disableHwDebug(c);
            }
        }
        try {
            return packet.get();
        } finally {
            if (running && !stopped()) {
                for (int c = 0; c < cpus; c++) {
                    arch.correctHwBreak(c);
                }
            }
        }
    }

    /** arch_kgdb_ops.set_hw_breakpoint. */
    public synchronized int setHwBreakpoint(long addr, int len, KgdbBpType type) {
        return arch.setHwBreak(addr, len, type);
    }

    /** arch_kgdb_ops.remove_hw_breakpoint: kgdb_remove_hw_break() goes by the address alone. */
    public synchronized int removeHwBreakpoint(long addr, int len, KgdbBpType type) {
        return arch.removeHwBreak(addr);
    }

    /** dbg_remove_all_break(): no software breakpoints here, so remove_all_hw_break on the debugger's CPU. */
    public synchronized int removeAllBreak() {
        arch.removeAllHwBreak(masterCpu);
        return 0;
    }

    /** kgdb_arch_handle_exception() for {@code c}, {@code D}, {@code k}: the machine resumes if stopped. */
    public synchronized void resumeFromPacket() {
        if (stopped()) {
            leave();
        }
    }

    public int signo() {
        return SIGTRAP;
    }

    /**
     * kgdb's overflow handler and DIE_DEBUG notifier: kgdb_hw_overflow_handler() sets a virtual DR6 bit for
     * every enabled entry, then kgdb_handle_exception() enters the debugger on the CPU that hit. Further hits of
     * the same #DB find the machine stopped already.
     */
    private void hit(Breakpoint bp, Hit hit) {
        Entry entered;
        synchronized (this) {
            int i = arch.entryOf(bp);
            if (i < 0 || stopped()) {
                return;
            }
            String reason = String.format("hw breakpoint %d at 0x%x cpu %d (virtual dr6 0x%x)", i, hit.address(),
                    hit.cpu(), arch.virtualDr6());
            try {
                enter(hit.cpu(), reason);
            } catch (HwbpException e) {
                log.accept("kgdb: " + reason + " could not enter the debugger: " + e.getMessage());
                return;
            }
            entered = arch.entries().get(i);
        }
        stopSink.stopped(hit.cpu(), SIGTRAP, entered);
    }

    /** What {@code kgdb:status} prints, without the CPU holders. */
    public synchronized List<String> status() {
        checkEnabled();
        List<String> lines = new ArrayList<>();
        lines.add("debugger " + (stopped() ? "holds the machine (cpu " + masterCpu + " in kgdb)" : "not active (machine running)"));
        lines.add("last stop: " + lastStop);
        lines.add("last failure: " + arch.lastFailure());
        for (Entry e : arch.entries()) {
            X86Kgdb.Unrestored u = arch.unrestored(e.index());
            if (!e.enabled() && u != null) {
                lines.add(String.format("bp %d: %s 0x%x len %d not restored: %s", e.index(),
                        BreakpointSpec.typeName(u.entry().type()), u.entry().addr(), u.entry().len(), u.reason()));
                continue;
            }
            if (!e.enabled()) {
                lines.add("bp " + e.index() + ": free");
                continue;
            }
            lines.add(String.format("bp %d: %s 0x%x len %d reserved cpus %s installed cpus %s", e.index(),
                    BreakpointSpec.typeName(e.type()), e.addr(), e.len(), cpuList(e.reservedCpus()),
                    cpuList(e.installedCpus())));
        }
        return lines;
    }

    /** The breakinfo entries (for tests and status). */
    public synchronized List<Entry> entries() {
        return arch.entries();
    }

    /** Why kgdb's last call failed (gdb only ever sees E01). */
    public synchronized String lastFailure() {
        return arch.lastFailure();
    }

    /** The last stop's description, or "none". */
    public synchronized String lastStop() {
        return lastStop;
    }

    /**
     * The client goes away: if the debugger holds the machine, the claim is released (every CPU restored from
     * the shadows), then kgdb_arch_exit() unregisters the events.
     */
    public synchronized void close() {
        closed = true;
        try {
            if (stopped()) {
                DebuggerClaim held = claim;
                claim = null;
                held.release();
            }
        } finally {
            try {
                arch.exit();
            } catch (HwbpException e) {
                log.accept("kgdb: unregistering its events failed: " + e.getMessage());
            }
        }
    }

    private static String cpuList(List<Integer> cpus) {
        if (cpus.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (int c : cpus) {
            sb.append(sb.length() == 0 ? "" : ",").append(c);
        }
        return sb.toString();
    }
}
