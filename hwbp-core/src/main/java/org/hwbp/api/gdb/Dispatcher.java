package org.hwbp.api.gdb;

import static org.hwbp.api.gdb.Replies.EMPTY;
import static org.hwbp.api.gdb.Replies.OK;
import static org.hwbp.api.gdb.Replies.ascii;
import static org.hwbp.api.gdb.Replies.error;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * The generic packets of the remote protocol, mapped onto a {@link GdbTarget}: the part of QEMU's gdbstub.c
 * (gdb_handle_packet and its command table) and gdbserver's server.cc (process_serial_event) that does not
 * depend on what is debugged. Runs on the session thread; async stops go through {@link Session}.
 *
 * <p>The top-level switch keeps what the session's state decides: stop replies, resumption ({@code c},
 * {@code s}, {@code vCont}), thread selection ({@code H}), detach, kill and no-ack mode. The packets that only
 * need the target are {@link RegisterPackets}, {@link MemoryPackets}, {@link BreakpointPackets} and
 * {@link QueryPackets}.
 */
final class Dispatcher {
    private final GdbTarget target;
    private final Session session;
    private final RegisterPackets registers;
    private final MemoryPackets memory;
    private final BreakpointPackets breakpoints;
    private final QueryPackets queries;
    /** The threads {@code Hg} and {@code Hc} selected: 0 = any, -1 = all, else an id. */
    private volatile int registerThread;
    private int resumeThread = -1;

    Dispatcher(GdbTarget target, Session session) {
        this.target = target;
        this.session = session;
        // one description per session: the register packets size by it, qXfer serves it
        TargetDescription description = target.description();
        this.registers = new RegisterPackets(target, description, () -> currentThread(registerThread));
        this.memory = new MemoryPackets(target, session);
        this.breakpoints = new BreakpointPackets(target);
        this.queries = new QueryPackets(target, description, session, () -> currentThread(0));
    }

    /** The reply to {@code packet}, or {@code null} when there is none (resumption, detach, kill). */
    byte[] handle(byte[] packet) throws IOException {
        if (packet.length == 0) {
            return EMPTY;
        }
        try {
            return dispatch(packet);
        } catch (HwbpException e) {
            return e.errno() == Errno.EOPNOTSUPP ? EMPTY : error(e.errno());
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return error(Errno.EINVAL);
        } catch (RuntimeException e) {
            // a target bug must not end the session: gdb sees an I/O error, like gdbserver's E01
            return error(Errno.EIO);
        }
    }

    private byte[] dispatch(byte[] packet) throws IOException {
        String text = new String(packet, StandardCharsets.ISO_8859_1);
        char command = text.charAt(0);
        String args = text.substring(1);
        return switch (command) {
            case '?' -> stopReply(session.lastStop());
            case 'g' -> registers.readAll();
            case 'G' -> registers.writeAll(args);
            case 'p' -> registers.read(args);
            case 'P' -> registers.write(args);
            case 'm' -> memory.read(args);
            case 'M' -> memory.write(args);
            case 'X' -> memory.writeBinary(packet);
            case 'Z', 'z' -> breakpoints.handle(command == 'Z', args);
            case 'c', 'C' -> resume(0);
            case 's', 'S' -> resume(currentThread(resumeThread));
            case 'v' -> verbose(args);
            case 'H' -> selectThread(args);
            case 'T' -> alive(parseThread(args)) ? OK : error(Errno.ESRCH);
            case 'D' -> {
                session.reply(OK);
                session.end(Session.End.DETACH);
                yield null;
            }
            case 'k' -> {
                session.end(Session.End.KILL);
                yield null;
            }
            case 'q' -> queries.handle(args);
            case 'Q' -> set(args);
            default -> EMPTY;
        };
    }

    /** The stop reply for {@code event}: {@code T} with thread and reason, or {@code W}/{@code X} at the end. */
    byte[] stopReply(StopEvent event) {
        if (!event.endsSession()) {
            // gdb takes the stopped thread as the general thread from now on (remote.c record_currthread), and
            // gdbserver switches to it too: a later 'g' without Hg reads the thread that stopped.
            registerThread = event.thread();
        }
        String sig = String.format("%02x", event.signal());
        String reply = switch (event.reason()) {
            case EXITED -> "W" + sig;
            case TERMINATED -> "X" + sig;
            default -> "T" + sig + "thread:" + Hex.number(event.thread()) + ";" + reason(event);
        };
        return ascii(reply);
    }

    private String reason(StopEvent event) {
        return switch (event.reason()) {
            case WATCH -> "watch:" + Hex.number(event.address()) + ";";
            case RWATCH -> "rwatch:" + Hex.number(event.address()) + ";";
            case AWATCH -> "awatch:" + Hex.number(event.address()) + ";";
            // gdb only parses these when it offered them in qSupported
            case HWBREAK -> queries.gdbHwbreak() ? "hwbreak:;" : "";
            case SWBREAK -> queries.gdbSwbreak() ? "swbreak:;" : "";
            default -> "";
        };
    }

    /**
     * Resumes everything ({@code stepThread} 0) or single-steps one thread. The reply is the stop that follows,
     * sent asynchronously; the session is marked running before the target is, so a stop the target reports
     * from inside resume/step is not lost.
     */
    private byte[] resume(int stepThread) {
        if (stepThread != 0 && !target.canStep()) {
            return EMPTY;
        }
        session.running(true);
        try {
            if (stepThread == 0) {
                target.resume();
            } else {
                target.step(stepThread);
            }
        } catch (RuntimeException e) {
            session.running(false);
            throw e;
        }
        return null;
    }

    private byte[] verbose(String args) throws IOException {
        if (args.equals("Cont?")) {
            return ascii(target.canStep() ? "vCont;c;C;s;S" : "vCont;c;C");
        }
        if (args.startsWith("Cont;")) {
            return vCont(args.substring(5));
        }
        if (args.startsWith("Kill")) {
            session.reply(OK);
            session.end(Session.End.KILL);
            return null;
        }
        // vMustReplyEmpty and everything else not offered
        return EMPTY;
    }

    /** {@code vCont;action[:thread]…}: a step action on a thread steps it, otherwise everything continues. */
    private byte[] vCont(String actions) {
        int step = 0;
        for (String action : actions.split(";")) {
            int colon = action.indexOf(':');
            String verb = colon < 0 ? action : action.substring(0, colon);
            int thread = colon < 0 ? -1 : parseThread(action.substring(colon + 1));
            char kind = verb.isEmpty() ? '?' : verb.charAt(0);
            if (kind == 's' || kind == 'S') {
                if (step == 0) {
                    step = currentThread(thread);
                }
            } else if (kind != 'c' && kind != 'C') {
                return error(Errno.EINVAL);
            }
        }
        return resume(step);
    }

    private byte[] selectThread(String args) {
        if (args.length() < 2) {
            return error(Errno.EINVAL);
        }
        int thread = parseThread(args.substring(1));
        if (thread > 0 && !alive(thread)) {
            return error(Errno.ESRCH);
        }
        switch (args.charAt(0)) {
            case 'g' -> registerThread = thread;
            case 'c' -> resumeThread = thread;
            default -> {
                return error(Errno.EINVAL);
            }
        }
        return OK;
    }

    private byte[] set(String args) throws IOException {
        if (args.equals("StartNoAckMode")) {
            // the OK still travels in ack mode; gdb's '+' for it is harmless afterwards
            session.reply(OK);
            session.noAckMode();
            return null;
        }
        return EMPTY;
    }

    private boolean alive(int thread) {
        return target.threads().contains(thread);
    }

    /** {@code selected} if it names a thread, else the thread of the last stop, else the first thread. */
    private int currentThread(int selected) {
        if (selected > 0) {
            return selected;
        }
        StopEvent last = session.lastStop();
        if (last != null && last.thread() > 0 && alive(last.thread())) {
            return last.thread();
        }
        List<Integer> threads = target.threads();
        if (threads.isEmpty()) {
            throw new HwbpException(Errno.ESRCH, "no thread");
        }
        return threads.get(0);
    }

    /** A thread id: hex, or -1 for all (gdb's thread-id syntax without multiprocess). */
    static int parseThread(String id) {
        if (id.equals("-1")) {
            return -1;
        }
        long v = Hex.parseUnsigned(id);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("thread id too large");
        }
        return (int) v;
    }
}
