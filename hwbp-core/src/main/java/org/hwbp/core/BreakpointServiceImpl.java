package org.hwbp.core;

import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Debugger;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.WideBreakpoint;

/** One client's view of the core; {@link #close()} releases everything the client owns. */
public final class BreakpointServiceImpl implements BreakpointService, AutoCloseable {
    private final HwBreakpointCore core;
    private final Owner owner;

    public BreakpointServiceImpl(HwBreakpointCore core, String ownerName) {
        this.core = core;
        this.owner = core.openOwner(ownerName);
    }

    @Override
    public Breakpoint register(BreakpointSpec spec, BreakpointHandler handler) {
        return core.register(owner, spec, handler);
    }

    @Override
    public WideBreakpoint registerWide(BreakpointSpec spec, BreakpointHandler handler) {
        return core.registerWide(owner, spec, handler);
    }

    @Override
    public boolean isUsed() {
        return core.isUsed();
    }

    @Override
    public List<Breakpoint> breakpoints() {
        return List.copyOf(owner.sortedEvents());
    }

    @Override
    public String owner() {
        return owner.name();
    }

    /** The breakpoint with {@code id} in this owner's scope (a wide id gives its CPU 0 part); ENOENT otherwise. */
    public List<Breakpoint> byId(int id) {
        List<Breakpoint> l = owner.sortedEvents().stream().filter(e -> e.id == id).map(e -> (Breakpoint) e).toList();
        if (l.isEmpty()) {
            throw new HwbpException(Errno.ENOENT, "no breakpoint " + id + " registered by " + owner.name());
        }
        return l;
    }

    @Override
    public Debugger debugger() {
        return new Debugger() {
            @Override
            public void reserveSlot(Breakpoint bp) {
                core.dbgReserve(own(bp));
            }

            @Override
            public void releaseSlot(Breakpoint bp) {
                core.dbgRelease(own(bp));
            }

            @Override
            public void install(Breakpoint bp, long address, int length, int type) {
                core.debuggerInstall(own(bp), address, length, type);
            }

            @Override
            public void uninstall(Breakpoint bp) {
                core.debuggerUninstall(own(bp));
            }

            @Override
            public DebuggerClaim claimAllCpus() {
                return core.claimAllCpus(owner);
            }
        };
    }

    /** Only the owner's own handles are accepted (a handle of another bundle gets EPERM). */
    private PerfEvent own(Breakpoint bp) {
        if (!(bp instanceof PerfEvent) || ((PerfEvent) bp).owner != owner) {
            throw new HwbpException(Errno.EPERM, "breakpoint " + bp.id() + " belongs to " + bp.owner());
        }
        return (PerfEvent) bp;
    }

    Owner ownerScope() {
        return owner;
    }

    @Override
    public void close() {
        core.closeOwner(owner);
    }
}
