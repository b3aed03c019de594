package org.hwbp.api.gdb;

import java.util.List;
import java.util.Set;

import org.hwbp.api.HwbpException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What gdb debugs through a {@link GdbServer}: implemented by each kind of target (kgdb's machine, a task under
 * ptrace, a KVM guest). The server calls it from its session thread, one gdb at a time — except the
 * {@link #detach()} that {@link GdbServer#close()} causes, which runs on the closing thread.
 *
 * <p>Refusals are {@link HwbpException}s: the server answers {@code E} followed by the errno in two hex digits
 * (as Linux's gdbstub and gdbserver do), except {@link org.hwbp.api.Errno#EOPNOTSUPP}, which it answers with the
 * empty reply gdb reads as "not supported" (for a {@code Z} type the target lacks, gdb then says so itself).
 * Any other exception is answered {@code E05} (EIO) and the session goes on.
 *
 * <p>Exactly one of {@link #detach()} and {@link #kill()} ends every session that {@link #attach} began — on
 * gdb's {@code D} or {@code k}, on a dropped connection, on {@link GdbServer#close()} — unless the target itself
 * ended it with an {@link StopEvent#endsSession() exit} stop.
 */
@ConsumerType
public interface GdbTarget {

    /** The registers gdb sees, and the {@code target.xml} it reads. Must not change while a gdb is connected. */
    TargetDescription description();

    /**
     * gdb connected: the target stops (kgdb enters the debugger, the task is traced, the guest is halted) and
     * keeps {@code session} to report later stops and console output.
     *
     * @return why the target is stopped now (what {@code ?} answers first)
     * @throws HwbpException to refuse the connection (gdb gets {@code E.message} and the connection closes)
     */
    StopEvent attach(GdbSession session);

    /** The threads gdb may select, as positive ids (a CPU, a task, a vCPU). */
    List<Integer> threads();

    /** A short description of {@code thread} for {@code info threads} ({@code qThreadExtraInfo}). */
    default String threadInfo(int thread) {
        return "";
    }

    /** Register {@code regno} of {@code thread}, little-endian, exactly as long as the description says. */
    byte[] readRegister(int thread, int regno);

    /** Writes register {@code regno} of {@code thread}; {@code value} is as long as the description says. */
    void writeRegister(int thread, int regno, byte[] value);

    /** {@code length} bytes at {@code address} (fewer if the rest is unreadable; none is an error). */
    byte[] readMemory(long address, int length);

    /** Writes {@code data} at {@code address}. */
    void writeMemory(long address, byte[] data);

    /**
     * Inserts a breakpoint ({@code Z}). {@code kind} is the length in bytes for watchpoints and the breakpoint
     * kind (1 on x86) for the others.
     */
    void insertBreakpoint(BreakpointType type, long address, int kind);

    /**
     * Whether a refused {@link #insertBreakpoint} is answered {@code E.NN.message} instead of {@code ENN}: gdb
     * treats both as the refusal, and for a hardware breakpoint ({@code Z1}) it also prints the message
     * ("Cannot insert hardware breakpoint N:Remote failure reply: message"); for watchpoints it prints only its
     * own "Could not insert hardware watchpoint N". Off by default (Linux's gdbstub and gdbserver send
     * {@code ENN}).
     */
    default boolean explainsRefusals() {
        return false;
    }

    /** Removes a breakpoint ({@code z}) that {@link #insertBreakpoint} inserted. */
    void removeBreakpoint(BreakpointType type, long address, int kind);

    /** The breakpoint types {@link #insertBreakpoint} accepts (qSupported advertises hwbreak/swbreak from it). */
    Set<BreakpointType> breakpointTypes();

    /** Resumes every thread; the next stop comes through {@link GdbSession#stopped}. */
    void resume();

    /** Whether {@link #step} is supported (what {@code vCont?} advertises). */
    default boolean canStep() {
        return true;
    }

    /** Single-steps {@code thread}; the stop after the step comes through {@link GdbSession#stopped}. */
    void step(int thread);

    /** gdb's Ctrl-C while the target runs: stop and report it through {@link GdbSession#stopped} (SIGINT). */
    void interrupt();

    /** gdb detaches or goes away: remove its breakpoints and let the target run free. */
    void detach();

    /** gdb kills the target ({@code k}). */
    void kill();

    /**
     * Runs gdb's {@code monitor COMMAND} ({@code qRcmd}) and returns its output, which gdb prints.
     *
     * @throws HwbpException when the command fails; its message is printed and the reply is an error
     */
    String monitor(String command);
}
