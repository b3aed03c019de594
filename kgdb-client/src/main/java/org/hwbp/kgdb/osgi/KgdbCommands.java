package org.hwbp.kgdb.osgi;

import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.Machine;
import org.hwbp.kgdb.gdb.GdbStub;
import org.hwbp.kgdb.model.DebugCore;
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
 * every command answers {@code EBUSY: core unavailable}; when it goes, everything kgdb held goes with it.
 */
@Component(immediate = true, service = KgdbCommands.class, property = {
    "osgi.command.scope=kgdb",
    "osgi.command.function=packet",
    "osgi.command.function=break",
    "osgi.command.function=continue",
    "osgi.command.function=status"
})
public final class KgdbCommands {

    /** kgdb on one core's BreakpointService. */
    private record Session(BreakpointService service, DebugCore core, GdbStub stub) {
    }

    private volatile Session session;
    private volatile Machine machine;
    private volatile Logger logger;

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
        close(session);
        DebugCore core = new DebugCore(service, this::log);
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

    /** If the debugger holds the machine, its claim is released (every CPU restored), then the events go. */
    @Deactivate
    synchronized void deactivate() {
        Session s = session;
        session = null;
        close(s);
    }

    private void close(Session s) {
        if (s == null) {
            return;
        }
        try {
            s.core().close();
        } catch (HwbpException e) {
            // The core's service was already released, which released the claim and the events itself.
            log("kgdb: closing after the core went away: " + e.getMessage());
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

    @Descriptor("send kgdb a gdb remote-protocol packet (Z1-Z4/z1-z4 ADDR,LEN in hex, ?, D, k, c); prints the reply")
    public String packet(
            @Descriptor("the packet, bare (Z2,ffffffff82001000,4) or framed and quoted, as Gogo expands $ "
                    + "('$Z2,ffffffff82001000,4#cs')") String packet) {
        return session().stub().handle(packet);
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
