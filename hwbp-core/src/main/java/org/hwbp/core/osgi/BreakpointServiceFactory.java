package org.hwbp.core.osgi;

import java.util.List;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointHandler;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Debugger;
import org.hwbp.api.WideBreakpoint;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * The bundle-scoped {@link BreakpointService}: DS makes one instance per using bundle (as Felix Log's reader
 * factory does) and deactivates it when that bundle releases the service, which releases every breakpoint and
 * claim the bundle owned.
 */
@Component(scope = ServiceScope.BUNDLE, service = BreakpointService.class)
public final class BreakpointServiceFactory implements BreakpointService {
    private final BreakpointServiceImpl delegate;

    @Activate
    public BreakpointServiceFactory(ComponentContext context, @Reference HwBreakpointCore core) {
        this.delegate = new BreakpointServiceImpl(core, context.getUsingBundle().getSymbolicName());
    }

    @Deactivate
    void deactivate() {
        delegate.close();
    }

    @Override
    public Breakpoint register(BreakpointSpec spec, BreakpointHandler handler) {
        return delegate.register(spec, handler);
    }

    @Override
    public WideBreakpoint registerWide(BreakpointSpec spec, BreakpointHandler handler) {
        return delegate.registerWide(spec, handler);
    }

    @Override
    public boolean isUsed() {
        return delegate.isUsed();
    }

    @Override
    public List<Breakpoint> breakpoints() {
        return delegate.breakpoints();
    }

    @Override
    public Debugger debugger() {
        return delegate.debugger();
    }

    @Override
    public String owner() {
        return delegate.owner();
    }
}
