package org.hwbp.kgdb.gdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.BreakpointType;
import org.hwbp.api.gdb.GdbSession;
import org.hwbp.api.gdb.GdbTarget;
import org.hwbp.api.gdb.StopEvent;
import org.hwbp.api.gdb.TargetDescription;
import org.hwbp.api.inspect.CpuDTO;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.api.machine.LittleEndian;
import org.hwbp.api.machine.Machine;
import org.hwbp.kgdb.model.DebugCore;
import org.hwbp.kgdb.model.Entry;
import org.hwbp.kgdb.model.KgdbBpType;

/**
 * kgdb as a real gdb sees it through the remote protocol: kernel/debug/gdbstub.c's gdb_serial_stub() and
 * debug_core.c's entry and exit, on the generic server of {@code org.hwbp.api.gdb}.
 *
 * <ul>
 * <li>gdb connecting is kgdb entering the debugger: every CPU is claimed, as {@code kgdb:break} does, and the
 * breakpoints left over from before are removed (gdb_cmd_status(), which gdb's first {@code ?} reaches);
 * <li>one thread per CPU, thread id = CPU + 1, as kgdb's shadow CPU threads ({@code shadowCPU0}, ...);
 * <li>registers: the simulated CPUs execute no code, so rax…mxcsr are what gdb wrote into them in this
 * session (0 otherwise), except that a CPU stopped by an execute breakpoint has its rip at the breakpoint (an
 * instruction breakpoint is a fault: the instruction has not run), which is how gdb knows which breakpoint
 * hit; dr0–dr3, dr6 and dr7 are the CPU's hardware debug registers, read through the
 * inspection API so that reading them counts as no register access (Linux's stub offers none of them), and
 * cannot be written (kgdb owns them through its breakinfo);
 * <li>memory: the machine's simulated memory ({@link Machine#readMemory}), no #DB;
 * <li>{@code Z1}/{@code Z2}/{@code Z4} and {@code z}: kgdb's breakinfo, the same path and E01 as
 * {@code kgdb:packet}; {@code Z3} gets the empty reply, as from x86's gdbserver (x86 has no read-only
 * watchpoint), and gdb then emulates {@code rwatch} with an access watchpoint; {@code Z0} gets the empty reply
 * too: the simulated CPUs fetch no instructions from memory, so an int3 would never run (gdb then writes its
 * int3 into the simulated memory itself; use {@code hbreak});
 * <li>stops: a hit of one of gdb's breakpoints, {@code kgdb:break} or gdb's Ctrl-C enter the debugger and gdb
 * gets {@code T05thread:CPU+1;watch:ADDR;} ({@code awatch:}, {@code hwbreak:}), or {@code T02} for Ctrl-C;
 * <li>{@code c} leaves the debugger (kgdb installs its breakpoints, every CPU is restored); no single step;
 * <li>{@code D}, {@code k}, and a gdb that goes away: every breakpoint of kgdb removed, the machine released;
 * <li>{@code monitor CMD}: a shell command, its output shown by gdb.
 * </ul>
 */
public final class KgdbTarget implements GdbTarget {
    private static final TargetDescription DESCRIPTION = TargetDescription.x86_64WithDebugRegisters();
    private static final Set<BreakpointType> TYPES = EnumSet.of(BreakpointType.HARDWARE,
            BreakpointType.WRITE_WATCHPOINT, BreakpointType.ACCESS_WATCHPOINT);

    private final Supplier<DebugCore> kgdb;
    private final Supplier<Machine> machine;
    private final Supplier<HwbpRuntime> runtime;
    private final Function<String, String> shell;
    /** The general registers gdb wrote in this session, by (thread, regno). */
    private final Map<Long, byte[]> written = new ConcurrentHashMap<>();
    private volatile GdbSession session;
    /** The connected gdb let the machine run (its continue) and has not been told of a stop since. */
    private volatile boolean running;

    /**
     * @param kgdb    kgdb on the current core (EBUSY while the core is away)
     * @param machine the machine service (EBUSY while the core is away)
     * @param runtime the inspection service (EBUSY while the core is away)
     * @param shell   runs a shell command and returns its output ({@code monitor})
     */
    public KgdbTarget(Supplier<DebugCore> kgdb, Supplier<Machine> machine, Supplier<HwbpRuntime> runtime,
            Function<String, String> shell) {
        this.kgdb = kgdb;
        this.machine = machine;
        this.runtime = runtime;
        this.shell = shell;
    }

    @Override
    public TargetDescription description() {
        return DESCRIPTION;
    }

    @Override
    public StopEvent attach(GdbSession s) {
        DebugCore core = kgdb.get();
        core.enterIfRunning("gdb connected");
        // gdb_cmd_status(): breakpoints left over from an earlier session are cleared when gdb connects.
        core.removeAllBreak();
        written.clear();
        running = false;
        session = s;
        return StopEvent.signal(core.masterCpu() + 1, DebugCore.SIGTRAP);
    }

    /** kgdb stopped (a hit, or a break request): gdb gets the stop reply if it waits for one. */
    public void stopped(int cpu, int signal, Entry hit) {
        GdbSession s = session;
        if (s == null) {
            return;
        }
        running = false;
        int thread = cpu + 1;
        StopEvent event;
        if (hit == null) {
            event = StopEvent.signal(thread, signal);
        } else if (hit.type() == BreakpointSpec.X) {
            written.put(key(thread, TargetDescription.RIP), LittleEndian.bytes(hit.addr(), 8));
            event = StopEvent.hardwareBreakpoint(thread);
        } else {
            // The watched address as the debug register holds it: gdb matches it against its watchpoints.
            event = StopEvent.watchpoint(thread, hit.type() == BreakpointSpec.W ? BreakpointType.WRITE_WATCHPOINT
                    : BreakpointType.ACCESS_WATCHPOINT, hit.addr());
        }
        s.stopped(event);
    }

    @Override
    public List<Integer> threads() {
        int n = machine.get().cpus();
        List<Integer> ids = new ArrayList<>(n);
        for (int cpu = 0; cpu < n; cpu++) {
            ids.add(cpu + 1);
        }
        return ids;
    }

    @Override
    public String threadInfo(int thread) {
        CpuDTO cpu = cpu(thread);
        return "shadowCPU" + cpu.id + " " + cpu.holder.kind
                + (cpu.runningTask == Machine.IDLE ? " idle" : " task " + cpu.runningTask);
    }

    @Override
    public byte[] readRegister(int thread, int regno) {
        int bytes = DESCRIPTION.registers().get(regno).bytes();
        if (regno >= TargetDescription.DR0) {
            CpuDTO cpu = cpu(thread);
            long value = regno < TargetDescription.DR0 + 4 ? cpu.debugreg[regno - TargetDescription.DR0]
                    : regno == TargetDescription.DR6 ? cpu.dr6 : cpu.dr7;
            return LittleEndian.bytes(value, bytes);
        }
        cpu(thread);
        byte[] v = written.get(key(thread, regno));
        return v == null ? new byte[bytes] : v.clone();
    }

    @Override
    public void writeRegister(int thread, int regno, byte[] value) {
        cpu(thread);
        if (regno >= TargetDescription.DR0) {
            if (Arrays.equals(value, readRegister(thread, regno))) {
                return; // gdb's G writes back every register; an unchanged debug register is no write
            }
            throw new HwbpException(Errno.EPERM, "kgdb owns the debug registers through its breakpoints");
        }
        written.put(key(thread, regno), value.clone());
    }

    @Override
    public byte[] readMemory(long address, int length) {
        // A range past the top of the address space is read up to the top, as far as it is readable.
        long room = -address;
        int n = room != 0 && Long.compareUnsigned(room, length) < 0 ? (int) room : length;
        return machine.get().readMemory(address, n);
    }

    @Override
    public void writeMemory(long address, byte[] data) {
        machine.get().writeMemory(address, data);
    }

    @Override
    public void insertBreakpoint(BreakpointType type, long address, int kind) {
        DebugCore core = kgdb.get();
        int error = core.inStop(() -> core.setHwBreakpoint(address, kind, kgdbType(type)));
        if (error != 0) {
            // error_packet(-1): gdb sees E01, as from kgdb:packet
            throw new HwbpException(Errno.EPERM, "kgdb: " + core.lastFailure());
        }
    }

    @Override
    public void removeBreakpoint(BreakpointType type, long address, int kind) {
        DebugCore core = kgdb.get();
        int error = core.inStop(() -> core.removeHwBreakpoint(address, kind, kgdbType(type)));
        if (error != 0) {
            throw new HwbpException(Errno.EPERM, "kgdb: " + core.lastFailure());
        }
    }

    private static KgdbBpType kgdbType(BreakpointType type) {
        return switch (type) {
            case HARDWARE -> KgdbBpType.BP_HARDWARE_BREAKPOINT;
            case WRITE_WATCHPOINT -> KgdbBpType.BP_WRITE_WATCHPOINT;
            case ACCESS_WATCHPOINT -> KgdbBpType.BP_ACCESS_WATCHPOINT;
            default -> throw new HwbpException(Errno.EOPNOTSUPP, type + " is not served");
        };
    }

    @Override
    public Set<BreakpointType> breakpointTypes() {
        return TYPES;
    }

    @Override
    public void resume() {
        // kgdb_arch_handle_exception() for 'c': every CPU leaves the debugger
        DebugCore core = kgdb.get();
        core.inStop(() -> {
            core.resumeFromPacket();
            return null;
        });
        running = true;
    }

    /** Whether a gdb is connected and waits while the machine runs (after its continue, before a stop). */
    public boolean gdbWaitsWhileRunning() {
        return session != null && running;
    }

    @Override
    public boolean canStep() {
        return false;
    }

    @Override
    public void step(int thread) {
        throw new HwbpException(Errno.EOPNOTSUPP, "the simulated CPUs execute no instructions");
    }

    @Override
    public void interrupt() {
        DebugCore core = kgdb.get();
        core.enterIfRunning("gdb interrupt (Ctrl-C) on cpu 0");
        running = false;
        GdbSession s = session;
        if (s != null) {
            s.stopped(StopEvent.signal(core.masterCpu() + 1, StopEvent.SIGINT));
        }
    }

    @Override
    public void detach() {
        end();
    }

    @Override
    public void kill() {
        // The kernel is not killed: gdb_cmd_detachkill() treats k as a forced detach.
        end();
    }

    /** gdb_cmd_detachkill(): every breakpoint of kgdb removed, the machine resumes if the debugger holds it. */
    private void end() {
        session = null;
        running = false;
        written.clear();
        DebugCore core;
        try {
            core = kgdb.get();
        } catch (HwbpException e) {
            return; // no core: kgdb's state holds nothing in one; the next core starts from it
        }
        core.inStop(() -> {
            core.removeAllBreak();
            core.resumeFromPacket();
            return null;
        });
    }

    @Override
    public String monitor(String command) {
        return shell.apply(command);
    }

    private CpuDTO cpu(int thread) {
        if (thread < 1) {
            throw new HwbpException(Errno.ESRCH, "no thread " + thread);
        }
        try {
            return runtime.get().getCpu(thread - 1);
        } catch (HwbpException e) {
            throw e.errno() == Errno.EINVAL ? new HwbpException(Errno.ESRCH, e.getMessage()) : e;
        }
    }

    private static long key(int thread, int regno) {
        return (long) thread << 32 | regno;
    }
}
