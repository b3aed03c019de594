package org.hwbp.api.gdb;

import java.util.Objects;

/**
 * Why the target stopped, as a stop reply tells gdb: the thread, the signal, and the reason gdb uses to
 * explain the stop ({@code watch:ADDR}, {@code rwatch:ADDR}, {@code awatch:ADDR}, {@code hwbreak:},
 * {@code swbreak:} — the {@code T} reply of gdb's "Stop Reply Packets"), or the end of the debugged process
 * ({@code W}/{@code X}).
 *
 * @param thread  the thread (a positive id) that stopped; 0 for {@link Reason#EXITED}/{@link Reason#TERMINATED}
 * @param signal  the signal number (5 = SIGTRAP for hits and steps, 2 = SIGINT for an interrupt); for
 *                {@link Reason#EXITED} the exit status, for {@link Reason#TERMINATED} the killing signal
 * @param reason  why
 * @param address the data address that triggered a watchpoint; 0 for the other reasons
 */
public record StopEvent(int thread, int signal, Reason reason, long address) {

    /** SIGINT: what an interrupt (gdb's Ctrl-C, the 0x03 byte) stops with. */
    public static final int SIGINT = 2;
    /** SIGTRAP: what breakpoints, watchpoints and single steps stop with. */
    public static final int SIGTRAP = 5;

    /** The reasons a stop reply can carry. */
    public enum Reason {
        /** A signal only (an interrupt, a finished single step, the stop gdb finds when it connects). */
        SIGNAL,
        /** A write watchpoint hit at {@link #address()}. */
        WATCH,
        /** A read watchpoint hit at {@link #address()}. */
        RWATCH,
        /** An access watchpoint hit at {@link #address()}. */
        AWATCH,
        /** A hardware execution breakpoint hit. */
        HWBREAK,
        /** A software breakpoint (int3) hit. */
        SWBREAK,
        /** The process exited with status {@link #signal()} (reply {@code W}); the session ends. */
        EXITED,
        /** The process was killed by signal {@link #signal()} (reply {@code X}); the session ends. */
        TERMINATED
    }

    public StopEvent {
        Objects.requireNonNull(reason, "reason");
        if (signal < 0 || signal > 0xff) {
            throw new IllegalArgumentException("signal out of range: " + signal);
        }
        if (thread <= 0 && reason != Reason.EXITED && reason != Reason.TERMINATED) {
            throw new IllegalArgumentException("a stop needs a positive thread id: " + thread);
        }
    }

    /** {@code thread} stopped by {@code signal} with no further reason (interrupt, step, initial stop). */
    public static StopEvent signal(int thread, int signal) {
        return new StopEvent(thread, signal, Reason.SIGNAL, 0);
    }

    /** A watchpoint of {@code type} (one of the three watchpoint types) fired on {@code thread} at {@code address}. */
    public static StopEvent watchpoint(int thread, BreakpointType type, long address) {
        Reason reason = switch (type) {
            case WRITE_WATCHPOINT -> Reason.WATCH;
            case READ_WATCHPOINT -> Reason.RWATCH;
            case ACCESS_WATCHPOINT -> Reason.AWATCH;
            default -> throw new IllegalArgumentException("not a watchpoint type: " + type);
        };
        return new StopEvent(thread, SIGTRAP, reason, address);
    }

    /** A hardware execution breakpoint fired on {@code thread}. */
    public static StopEvent hardwareBreakpoint(int thread) {
        return new StopEvent(thread, SIGTRAP, Reason.HWBREAK, 0);
    }

    /** A software breakpoint fired on {@code thread}. */
    public static StopEvent softwareBreakpoint(int thread) {
        return new StopEvent(thread, SIGTRAP, Reason.SWBREAK, 0);
    }

    /** The process exited with {@code status}. */
    public static StopEvent exited(int status) {
        return new StopEvent(0, status & 0xff, Reason.EXITED, 0);
    }

    /** The process was killed by {@code signal}. */
    public static StopEvent terminated(int signal) {
        return new StopEvent(0, signal, Reason.TERMINATED, 0);
    }

    /** Whether this stop ends the session (the process is gone). */
    public boolean endsSession() {
        return reason == Reason.EXITED || reason == Reason.TERMINATED;
    }
}
