package org.hwbp.kgdb.osgi;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.inspect.ResetListener;
import org.hwbp.api.machine.Machine;
import org.hwbp.kgdb.gdb.GdbStub;
import org.hwbp.kgdb.model.DebugCore;
import org.hwbp.kgdb.model.KgdbState;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The kernel debugger as shell commands. Immediate, so that kgdb_arch_late() runs when the bundle starts (and
 * again whenever a new core appears). The core's services are optional, dynamic and greedy: while it is away
 * every command answers {@code EBUSY: core unavailable}; when it goes, everything kgdb held in the core goes
 * with it, but kgdb keeps its own state ({@link KgdbState}: breakinfo, whether it holds the machine) and brings
 * it back on the next core. The state also survives this bundle's stop/start and update: it is written to the
 * bundle's data area on deactivation and read on activation (uninstall deletes the data area, and the state).
 * A reset of the runtime ({@link ResetListener}) forgets it: on the next machine kgdb starts as at boot, and its
 * kgdb_arch_late() registers the boot-time placeholders again.
 */
@Component(immediate = true, service = {KgdbCommands.class, ResetListener.class}, property = {
    "osgi.command.scope=kgdb",
    "osgi.command.function=packet",
    "osgi.command.function=break",
    "osgi.command.function=continue",
    "osgi.command.function=status"
})
public final class KgdbCommands implements ResetListener {

    /** kgdb on one core's BreakpointService. */
    private record Session(BreakpointService service, DebugCore core, GdbStub stub) {
    }

    /** The state file in the bundle's data area. */
    static final String STATE_FILE = "kgdb-state.properties";

    private final Path stateFile;
    private volatile Session session;
    private volatile Machine machine;
    private volatile Logger logger;
    /** kgdb's state while no core is bound. */
    private KgdbState saved;
    /** Who is told of kgdb's stops on every core (the gdb server's target), or null. */
    private volatile DebugCore.StopSink stopSink;

    @Activate
    public KgdbCommands(BundleContext context) {
        this(dataFile(context));
    }

    /** {@code stateFile} null: nothing is kept across instances. */
    KgdbCommands(Path stateFile) {
        this.stateFile = stateFile;
        this.saved = load();
    }

    private static Path dataFile(BundleContext context) {
        File f = context.getDataFile(STATE_FILE);
        return f == null ? null : f.toPath();
    }

    private KgdbState load() {
        if (stateFile == null) {
            return KgdbState.INITIAL;
        }
        try {
            return KgdbState.load(stateFile);
        } catch (IOException | RuntimeException e) {
            log("kgdb: the saved state in " + stateFile + " cannot be read, starting without it: " + e);
            return KgdbState.INITIAL;
        }
    }

    private void save(KgdbState state) {
        if (stateFile == null) {
            return;
        }
        try {
            state.save(stateFile);
        } catch (IOException e) {
            log("kgdb: saving the state to " + stateFile + " failed, it is lost: " + e);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setLoggerFactory(LoggerFactory factory) {
        logger = factory.getLogger(KgdbCommands.class);
    }

    void unsetLoggerFactory(LoggerFactory factory) {
        logger = null;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindBreakpointService(BreakpointService service) {
        Session old = session;
        session = null;
        close(old);
        DebugCore core = new DebugCore(service, this::log, saved);
        core.setStopSink(stopSink);
        saved = null;
        session = new Session(service, core, new GdbStub(core));
    }

    synchronized void unbindBreakpointService(BreakpointService service) {
        Session s = session;
        if (s != null && s.service() == service) {
            session = null;
            close(s);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindMachine(Machine m) {
        machine = m;
    }

    void unbindMachine(Machine m) {
        if (machine == m) {
            machine = null;
        }
    }

    /**
     * Stop or update of this bundle: the state goes to the data area; if the debugger holds the machine, its
     * claim is released (every CPU restored), then the events go.
     */
    @Deactivate
    synchronized void deactivate() {
        Session s = session;
        session = null;
        close(s);
        save(saved);
    }

    /** kgdb leaves this core: its state is kept in {@link #saved}, then what it held in the core is released. */
    private void close(Session s) {
        if (s == null) {
            return;
        }
        saved = s.core().snapshot();
        try {
            s.core().close();
        } catch (HwbpException e) {
            // The core's service was already released, which released the claim and the events itself.
            log("kgdb: closing after the core went away: " + e.getMessage());
        }
    }

    /** The runtime is reset: kgdb's state kept for the next machine goes, in memory and on disk. */
    @Override
    public synchronized void reset() {
        Session s = session;
        session = null;
        close(s);
        saved = KgdbState.INITIAL;
        deleteSaved();
    }

    /** Deletes the state saved for the next activation, if any. */
    private void deleteSaved() {
        if (stateFile == null) {
            return;
        }
        try {
            Files.deleteIfExists(stateFile);
        } catch (IOException e) {
            log("kgdb: the saved state in " + stateFile + " cannot be deleted: " + e);
        }
    }

    private void log(String message) {
        Logger l = logger;
        if (l != null) {
            l.error(message);
        } else {
            System.err.println(message);
        }
    }

    private Session session() {
        Session s = session;
        if (s == null || machine == null) {
            throw new HwbpException(Errno.EBUSY, "core unavailable");
        }
        return s;
    }

    /** kgdb on the current core (for the gdb server); EBUSY while no core is bound. */
    public DebugCore debugCore() {
        return session().core();
    }

    /** Tells {@code sink} of kgdb's stops, on this core and the next ones; null: nobody. */
    public synchronized void setStopSink(DebugCore.StopSink sink) {
        stopSink = sink;
        Session s = session;
        if (s != null) {
            s.core().setStopSink(sink);
        }
    }

    @Descriptor("send kgdb a gdb remote-protocol packet (Z1-Z4/z1-z4 ADDR,LEN in hex, ?, D, k, c); prints the reply")
    public String packet(
            @Descriptor("PACKET: bare (Z2,ffffffff82001000,4) or framed and quoted, as Gogo expands $ "
                    + "('$Z2,ffffffff82001000,4#cs')") String packet) {
        checkBreakFields(GdbStub.unframe(packet));
        String reply = session().stub().handle(packet);
        return reply.isEmpty() ? emptyReply(GdbStub.unframe(packet)) : reply;
    }

    /**
     * What the shell shows for the stub's empty reply, which gdb reads as "unsupported" except after {@code c}
     * and {@code k}, which have no reply at all.
     */
    static String emptyReply(String data) {
        if (data.equals("c")) {
            return "(no reply: resumed; the reply is the next stop)";
        }
        if (data.equals("k")) {
            return "(no reply: killed; kgdb's breakpoints removed and the machine resumed)";
        }
        return "(empty: unsupported)";
    }

    /**
     * Refuses a {@code Z}/{@code z} packet of types 1-4 whose ADDR or LEN field is negative or wider than the
     * field the kernel parses it into (kgdb_hex2long() would take a '-' and silently drop the high digits, and
     * the shell user would get OK for a breakpoint at another address). Other malformed fields are left to the
     * stub, which gives gdb_cmd_break()'s reply (E22); gdb itself never sends either kind.
     */
    static void checkBreakFields(String data) {
        if (data.length() < 2 || (data.charAt(0) != 'Z' && data.charAt(0) != 'z')
                || data.charAt(1) < '1' || data.charAt(1) > '4') {
            return;
        }
        String[] fields = data.split(",", -1);
        checkHexField(data, "ADDR", fields.length > 1 ? fields[1] : null, 16);
        checkHexField(data, "LEN", fields.length > 2 ? fields[2].split(";", 2)[0] : null, 8);
    }

    private static void checkHexField(String data, String name, String field, int maxDigits) {
        if (field == null) {
            return;
        }
        if (field.startsWith("-")) {
            throw new HwbpException(Errno.EINVAL, "kgdb:packet " + data + ": " + name + " '" + field
                    + "' is negative");
        }
        String digits = field.replaceFirst("^0+(?=.)", "");
        if (digits.chars().allMatch(c -> Character.digit(c, 16) >= 0)
                && (digits.length() > maxDigits || (maxDigits == 8 && Long.parseLong(digits, 16) > Integer.MAX_VALUE))) {
            throw new HwbpException(Errno.EINVAL, "kgdb:packet " + data + ": " + name + " '" + field
                    + "' does not fit in " + (maxDigits == 16 ? "64 bits" : "an int"));
        }
    }

    @Descriptor("enter the debugger (sysrq-g): kgdb stops the machine and holds every CPU's debug registers")
    public String _break() {
        session().core().breakIn();
        return "ok";
    }

    @Descriptor("leave the debugger: kgdb installs its breakpoints and every CPU is restored from the shadows")
    public String _continue() {
        session().core().resume();
        return "ok";
    }

    @Descriptor("kgdb's breakpoints, whether the debugger holds the machine, the last stop, every CPU's holder")
    public String status() {
        Session s = session();
        List<String> lines = new ArrayList<>(s.core().status());
        Machine m = machine;
        if (m != null) {
            StringBuilder holders = new StringBuilder("holders:");
            for (int c = 0; c < m.cpus(); c++) {
                holders.append(' ').append(c).append('=').append(m.holder(c));
            }
            lines.add(holders.toString());
        }
        return String.join("\n", lines);
    }
}
