package org.hwbp.api.gdb;

import static org.hwbp.api.gdb.Replies.EMPTY;
import static org.hwbp.api.gdb.Replies.OK;
import static org.hwbp.api.gdb.Replies.ascii;
import static org.hwbp.api.gdb.Replies.error;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.IntSupplier;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * The general queries ({@code q} packets), as gdbserver's handle_query (server.cc) and QEMU's query table
 * (gdbstub.c): qSupported (handle_query_supported), qXfer:features:read (handle_query_xfer_features), qC
 * (handle_query_curr_tid), the thread list qfThreadInfo/qsThreadInfo (handle_query_threads),
 * qThreadExtraInfo (handle_query_thread_extra), qAttached (handle_query_attached) and qRcmd, gdb's
 * {@code monitor} (handle_query_rcmd).
 */
final class QueryPackets {
    private final GdbTarget target;
    private final TargetDescription description;
    private final Session session;
    /** The thread qC names: none is selected for it, so the last stop's, else the first one. */
    private final IntSupplier currentThread;
    /** What gdb said it understands in its qSupported (read by target threads formatting async stops). */
    private volatile boolean gdbSwbreak;
    private volatile boolean gdbHwbreak;

    QueryPackets(GdbTarget target, TargetDescription description, Session session, IntSupplier currentThread) {
        this.target = target;
        this.description = description;
        this.session = session;
        this.currentThread = currentThread;
    }

    boolean gdbSwbreak() {
        return gdbSwbreak;
    }

    boolean gdbHwbreak() {
        return gdbHwbreak;
    }

    /** The reply to {@code q args}; an unknown query gets the empty one. */
    byte[] handle(String args) throws IOException {
        if (args.startsWith("Supported")) {
            return supported(args);
        }
        if (args.startsWith("Xfer:features:read:")) {
            return features(args.substring("Xfer:features:read:".length()));
        }
        if (args.equals("C")) {
            return ascii("QC" + Hex.number(currentThread.getAsInt()));
        }
        if (args.equals("fThreadInfo")) {
            StringJoiner ids = new StringJoiner(",", "m", "");
            for (int thread : target.threads()) {
                ids.add(Hex.number(thread));
            }
            return ascii(ids.toString());
        }
        if (args.equals("sThreadInfo")) {
            return ascii("l");
        }
        if (args.startsWith("ThreadExtraInfo,")) {
            int thread = Dispatcher.parseThread(args.substring("ThreadExtraInfo,".length()));
            return ascii(Hex.encode(target.threadInfo(thread)));
        }
        if (args.equals("Attached") || args.startsWith("Attached:")) {
            // attached to something that existed before gdb: gdb detaches rather than kills when it quits
            return ascii("1");
        }
        if (args.startsWith("Rcmd,")) {
            return monitor(new String(Hex.decode(args.substring(5)), StandardCharsets.UTF_8));
        }
        return EMPTY;
    }

    private byte[] supported(String args) {
        boolean swbreak = false;
        boolean hwbreak = false;
        for (String feature : args.substring(args.indexOf(':') + 1).split(";")) {
            swbreak |= feature.equals("swbreak+");
            hwbreak |= feature.equals("hwbreak+");
        }
        gdbSwbreak = swbreak;
        gdbHwbreak = hwbreak;
        Set<BreakpointType> types = target.breakpointTypes();
        StringBuilder s = new StringBuilder("PacketSize=").append(Hex.number(session.maxPayload()))
                .append(";QStartNoAckMode+;qXfer:features:read+;vContSupported+");
        if (types.contains(BreakpointType.SOFTWARE)) {
            s.append(";swbreak+");
        }
        if (types.contains(BreakpointType.HARDWARE)) {
            s.append(";hwbreak+");
        }
        return ascii(s.toString());
    }

    /**
     * {@code qXfer:features:read:ANNEX:OFFSET,LENGTH}: a page of target.xml, {@code m} if more follows, else
     * {@code l}.
     */
    private byte[] features(String args) {
        int colon = args.indexOf(':');
        String annex = args.substring(0, colon);
        if (!annex.equals("target.xml")) {
            return error(Errno.ENOENT);
        }
        String[] range = args.substring(colon + 1).split(",", -1);
        int offset = Hex.parseSize(range[0]);
        int length = Hex.parseSize(range[1]);
        byte[] page = description.xmlSlice(offset, length);
        boolean last = (long) offset + page.length >= description.xmlLength();
        ByteArrayOutputStream reply = new ByteArrayOutputStream(page.length + 8);
        reply.write(last ? 'l' : 'm');
        reply.writeBytes(Hex.escape(page));
        return reply.toByteArray();
    }

    /** {@code qRcmd}: the command's output as {@code O} packets, then OK (or the error after its message). */
    private byte[] monitor(String command) throws IOException {
        try {
            String output = target.monitor(command);
            if (output != null && !output.isEmpty()) {
                session.output(output.endsWith("\n") ? output : output + "\n");
            }
            return OK;
        } catch (HwbpException e) {
            session.output(e.getMessage() + "\n");
            return error(e.errno());
        }
    }
}
