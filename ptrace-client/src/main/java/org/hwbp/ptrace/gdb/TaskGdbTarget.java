package org.hwbp.ptrace.gdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.PreemptReason;
import org.hwbp.api.gdb.BreakpointType;
import org.hwbp.api.gdb.GdbSession;
import org.hwbp.api.gdb.GdbTarget;
import org.hwbp.api.gdb.StopEvent;
import org.hwbp.api.gdb.TargetDescription;
import org.hwbp.api.machine.Machine;
import org.hwbp.ptrace.model.ThreadDebugState;
import org.hwbp.ptrace.model.TraceeObserver;
import org.hwbp.ptrace.model.Tracer;

/**
 * gdbserver attached to one simulated task through ptrace-client's {@link Tracer}: gdb connecting is
 * PTRACE_ATTACH, its hardware breakpoints and watchpoints are gdb's x86 mirror ({@link X86DregState}) written
 * by PTRACE_POKEUSER in Linux gdb's order ({@link PtraceDregWriter}), a hit is the tracee's SIGTRAP, and the
 * stop reason comes from the virtual DR6 as gdbserver's {@code x86_dr_stopped_data_address} finds it. The one
 * thread is the task.
 *
 * <p>Unlike gdbserver, which writes the registers lazily when it resumes the tracee, the writes are made when
 * gdb inserts the breakpoint (the tracee is stopped then), so that a refused write (ENOSPC: the slots are taken
 * for this task's CPUs) is the refusal of gdb's {@code Z} packet, and gdb prints its own "Could not insert
 * hardware watchpoint"; the refusal is the core's ENOSPC, which names who holds the slots: gdb shows it for
 * {@code hbreak}, and {@code monitor slots} shows the holders (the inspection API's owners) for any. The mirror
 * is then rolled back and written again, as gdb's next resume would.
 *
 * <p>The task has no modelled general registers: they read as 0, except {@code rip}, which holds the address
 * of the hardware breakpoint the task last stopped at. Its memory is the machine's simulated memory.
 *
 * <p>This class is the session's life (attach, resume, step, detach, kill) and the tracee's stops; the register
 * file is {@link TaskRegisterFile}, the mirror with its commit and the stop reason {@link TaskDregs}, and the
 * lines about suspended and restored breakpoints {@link PreemptionNotices}.
 */
final class TaskGdbTarget implements GdbTarget, TraceeObserver {
    private static final TargetDescription DESCRIPTION = TargetDescription.x86_64WithDebugRegisters();

    private final Tracer tracer;
    private final Machine machine;
    private final int task;
    private final TaskRegisterFile registers;
    private final Function<Integer, String> holders;
    private final Runnable onEnd;
    private final PreemptionNotices notices;
    /** Held around every use of {@link TaskDregs}, which has no lock of its own. */
    private final Object lock = new Object();
    private final TaskDregs dregs;
    private volatile GdbSession session;
    /** Whether gdb let the task run and waits for its next stop. */
    private volatile boolean running;
    /** How many times gdb let the task run. */
    private final AtomicLong resumes = new AtomicLong();

    /**
     * @param holders who holds the debug registers of a CPU, one line (the inspection API's slot owners), for
     *                {@code monitor slots}
     * @param onEnd   run once the task is gone or the tracer lost it (the server is then closed)
     */
    TaskGdbTarget(Tracer tracer, Machine machine, int task, Function<Integer, String> holders, Runnable onEnd) {
        this.tracer = tracer;
        this.machine = machine;
        this.task = task;
        PtraceDregWriter writer = new PtraceDregWriter(tracer, task);
        this.registers = new TaskRegisterFile(DESCRIPTION, writer);
        this.dregs = new TaskDregs(writer, task);
        this.holders = holders;
        this.onEnd = onEnd;
        this.notices = new PreemptionNotices(machine, task);
    }

    int task() {
        return task;
    }

    @Override
    public TargetDescription description() {
        return DESCRIPTION;
    }

    /** PTRACE_ATTACH (ESRCH, EPERM as there); the tracee's stops now come to this session. */
    @Override
    public StopEvent attach(GdbSession s) {
        synchronized (lock) {
            dregs.reset();
            session = s;
            registers.pc(0);
        }
        try {
            // The attach and the observe are one step for the tracer: an exit after it reaches exited().
            tracer.attach(task, this);
        } catch (RuntimeException refused) {
            synchronized (lock) {
                session = null;
            }
            if (!machine.task(task).alive()) {
                // The task's exit may have been told while this session looked attached, and the server, which
                // closes with its task when no gdb is attached, stayed open: gdbserver exits with its inferior.
                onEnd.run();
            }
            throw refused;
        }
        // PTRACE_ATTACH stops the tracee with SIGSTOP; gdbserver, serving "target remote", pretends the
        // process is just starting up and reports that first stop as SIGTRAP.
        return StopEvent.signal(task, StopEvent.SIGTRAP);
    }

    @Override
    public List<Integer> threads() {
        return List.of(task);
    }

    @Override
    public String threadInfo(int thread) {
        var t = machine.task(thread);
        return t.name() + (t.cpu() >= 0 ? " on CPU " + t.cpu() : " sleeping");
    }

    @Override
    public byte[] readRegister(int thread, int regno) {
        return registers.read(regno);
    }

    @Override
    public void writeRegister(int thread, int regno, byte[] value) {
        registers.write(regno, value);
    }

    /**
     * PTRACE_PEEKDATA: the machine's simulated memory (one address space: what {@code sim:access --value}
     * writes and {@code sim:peek} reads).
     */
    @Override
    public byte[] readMemory(long address, int length) {
        return machine.readMemory(address, length);
    }

    /** PTRACE_POKEDATA: into the machine's simulated memory (no #DB, as the kernel's access_process_vm). */
    @Override
    public void writeMemory(long address, byte[] data) {
        machine.writeMemory(address, data);
    }

    /** gdbserver's low_insert_point, made while the tracee is stopped; see {@link TaskDregs#insert}. */
    @Override
    public void insertBreakpoint(BreakpointType type, long address, int kind) {
        synchronized (lock) {
            dregs.insert(type, address, kind);
        }
    }

    @Override
    public void removeBreakpoint(BreakpointType type, long address, int kind) {
        synchronized (lock) {
            dregs.remove(type, address, kind);
        }
    }

    /** Who holds the slots of the CPU the task runs on (of every CPU while it sleeps). */
    private String holdersOfTaskCpus() {
        int cpu = machine.task(task).cpu();
        List<String> l = new ArrayList<>();
        for (int c = 0; c < machine.cpus(); c++) {
            if (cpu < 0 || c == cpu) {
                l.add(holders.apply(c));
            }
        }
        return String.join("; ", l);
    }

    /**
     * A refused insertion tells gdb why: for ENOSPC the core's message names who holds the slots (gdb prints it
     * for hbreak).
     */
    @Override
    public boolean explainsRefusals() {
        return true;
    }

    @Override
    public Set<BreakpointType> breakpointTypes() {
        return Set.of(BreakpointType.HARDWARE, BreakpointType.WRITE_WATCHPOINT, BreakpointType.READ_WATCHPOINT,
                BreakpointType.ACCESS_WATCHPOINT);
    }

    /** PTRACE_CONT, after x86_linux_update_debug_registers() cleared DR6 if the stop was a watchpoint's. */
    @Override
    public void resume() {
        synchronized (lock) {
            dregs.prepareToResume();
        }
        tracer.cont(task);
        running = true;
        resumes.incrementAndGet();
    }

    /** Whether a gdb is attached (its session hears of the task's stops and exit). */
    boolean attached() {
        return session != null;
    }

    /** Whether gdb let the task run and waits for a stop. */
    boolean running() {
        return running;
    }

    /** How many times gdb let the task run. */
    long resumes() {
        return resumes.get();
    }

    /**
     * PTRACE_SINGLESTEP: the task executes the one instruction it stopped before (gdb steps over a hardware
     * breakpoint so). The model has no instruction stream, so where the task is afterwards is not known: rip
     * reads 0 again, as before the first breakpoint, and the step's SIGTRAP is reported at once.
     */
    @Override
    public void step(int thread) {
        tracer.cont(task);
        GdbSession s = session;
        synchronized (lock) {
            registers.pc(0);
            dregs.stepped();
        }
        if (s != null) {
            s.stopped(StopEvent.signal(task, StopEvent.SIGTRAP));
        }
    }

    /** gdbserver's Ctrl-C: kill(SIGINT), which stops the traced task. */
    @Override
    public void interrupt() {
        GdbSession s = session;
        if (s != null) {
            running = false;
            s.stopped(StopEvent.signal(task, StopEvent.SIGINT));
        }
    }

    /**
     * gdb removed its breakpoints before {@code D} (each a POKEUSER sequence ending with DR7 = 0); what is left
     * in the mirror is cleared the same way (a gdb that vanished removed nothing), then PTRACE_DETACH: the task
     * runs on. As in Linux, the disabled events keep their slots until the task exits.
     */
    @Override
    public void detach() {
        end(true);
    }

    /** {@code k}: the task is killed (SIGKILL: do_exit). */
    @Override
    public void kill() {
        end(false);
        if (machine.task(task).alive()) {
            machine.exitTask(task);
        }
    }

    private void end(boolean clear) {
        ThreadDebugState ts = null;
        try {
            ts = tracer.isTraced(task) ? tracer.tracee(task) : null;
        } catch (HwbpException e) {
            // the tracer lost the task meanwhile
        }
        if (ts != null) {
            ts.observe(null);
        }
        running = false;
        synchronized (lock) {
            session = null;
            if (clear && ts != null) {
                dregs.clear();
            }
        }
        if (ts != null) {
            tracer.detach(task);
        }
    }

    /** {@code monitor slots}: who holds the debug-register slots of the task's CPU. */
    @Override
    public String monitor(String command) {
        if (!command.trim().equals("slots")) {
            throw new HwbpException(Errno.EINVAL, "unknown monitor command '" + command.trim()
                    + "' (this gdbserver knows: slots)");
        }
        return holdersOfTaskCpus().replace("; ", "\n");
    }

    // ------------------------------------------------------------------ TraceeObserver

    /** The SIGTRAP: which register fired (virtual DR6), and what gdb inserted there, make the reason. */
    @Override
    public void stopped(ThreadDebugState.Stop stop) {
        GdbSession s = session;
        if (s == null) {
            return;
        }
        StopEvent event;
        synchronized (lock) {
            event = dregs.stopped(stop.dr6());
            if (event.reason() == StopEvent.Reason.HWBREAK) {
                registers.pc(event.address());
            }
        }
        running = false;
        s.stopped(event.reason() == StopEvent.Reason.HWBREAK ? StopEvent.hardwareBreakpoint(task) : event);
    }

    @Override
    public void preempted(int dr, Breakpoint bp, PreemptReason reason) {
        tell(notices.suspended(dr, bp, reason));
    }

    @Override
    public void restored(int dr, Breakpoint bp) {
        tell(notices.restored(dr, bp));
    }

    @Override
    public void exited() {
        GdbSession s = session;
        session = null;
        if (s != null) {
            s.stopped(StopEvent.exited(0));
        }
        onEnd.run();
    }

    @Override
    public void lost(String why) {
        session = null;
        onEnd.run();
    }

    /** Console output for gdb (shown while it waits for a stop). */
    void tell(String text) {
        GdbSession s = session;
        if (s != null) {
            s.console(text);
        }
    }
}
