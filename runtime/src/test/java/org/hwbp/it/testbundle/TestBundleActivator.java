package org.hwbp.it.testbundle;

import java.util.function.Consumer;

import org.hwbp.api.BreakpointService;
import org.hwbp.api.HardwareListener;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Activator of the test bundle the integration tests build on the fly: a client of the core like the real
 * ones, but minimal. When the core's {@link BreakpointService} is there it registers breakpoints
 * ({@link Registrar}); it registers a {@link HardwareListener} whiteboard service. Every callback goes to the
 * test's sink, a {@code Consumer<String>} service with {@value #SINK_PROPERTY}=true, if one is registered.
 *
 * <p>With the manifest header {@value #LISTENER_ONLY_HEADER}{@code : true} it only listens (a bundle the core
 * knows only through the whiteboard).
 *
 * <p>{@link #stop} deliberately releases nothing: the framework ungets the bundle's services and unregisters
 * its listener, and the core must then release every breakpoint the bundle owned by itself.
 */
public final class TestBundleActivator implements BundleActivator {
    public static final String SINK_PROPERTY = "hwbp.it.sink";
    public static final String LISTENER_ONLY_HEADER = "Hwbp-It-Listener-Only";

    @Override
    public void start(BundleContext context) throws InvalidSyntaxException {
        Consumer<String> sink = sink(context);
        String name = context.getBundle().getSymbolicName();
        context.registerService(HardwareListener.class, new SinkListener(name, sink), null);
        if (Boolean.parseBoolean(context.getBundle().getHeaders().get(LISTENER_ONLY_HEADER))) {
            sink.accept(name + " listening");
            return;
        }
        new ServiceTracker<>(context, BreakpointService.class, new Registrar(context, name, sink)).open();
    }

    @Override
    public void stop(BundleContext context) {
    }

    @SuppressWarnings("unchecked")
    private static Consumer<String> sink(BundleContext context) throws InvalidSyntaxException {
        ServiceReference<?>[] refs = context.getServiceReferences(Consumer.class.getName(),
            "(" + SINK_PROPERTY + "=true)");
        if (refs == null) {
            return s -> { };
        }
        return (Consumer<String>) context.getService(refs[0]);
    }
}
