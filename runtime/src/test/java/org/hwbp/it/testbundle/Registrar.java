package org.hwbp.it.testbundle;

import java.util.function.Consumer;

import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * Registers the test bundle's breakpoints on each BreakpointService that appears: two CPU-bound ones (CPU 2,
 * CPU 3) and a wide one (every CPU). Kernel addresses, so that nothing a test does by accident trips them.
 */
final class Registrar implements ServiceTrackerCustomizer<BreakpointService, BreakpointService> {
    static final long CPU2_ADDRESS = 0xffffffff82008000L;
    static final long CPU3_ADDRESS = 0xffffffff82008008L;
    static final long WIDE_ADDRESS = 0xffffffff82008010L;

    private final BundleContext context;
    private final String name;
    private final Consumer<String> sink;

    Registrar(BundleContext context, String name, Consumer<String> sink) {
        this.context = context;
        this.name = name;
        this.sink = sink;
    }

    @Override
    public BreakpointService addingService(ServiceReference<BreakpointService> reference) {
        BreakpointService service = context.getService(reference);
        SinkListener handler = new SinkListener(name, sink);
        service.register(BreakpointSpec.onCpu(2, CPU2_ADDRESS, 8, BreakpointSpec.W), handler);
        service.register(BreakpointSpec.onCpu(3, CPU3_ADDRESS, 4, BreakpointSpec.RW), handler);
        service.registerWide(BreakpointSpec.onCpu(0, WIDE_ADDRESS, 8, BreakpointSpec.W), handler);
        sink.accept(name + " registered");
        return service;
    }

    @Override
    public void modifiedService(ServiceReference<BreakpointService> reference, BreakpointService service) {
    }

    @Override
    public void removedService(ServiceReference<BreakpointService> reference, BreakpointService service) {
        context.ungetService(reference);
    }
}
