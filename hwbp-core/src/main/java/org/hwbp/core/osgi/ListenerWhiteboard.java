package org.hwbp.core.osgi;

import java.util.Map;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.machine.DebugExceptionListener;
import org.hwbp.api.machine.TaskListener;
import org.hwbp.core.HwBreakpointCore;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The whiteboard: every {@link HardwareListener}, {@link TaskListener} and {@link DebugExceptionListener}
 * service is bound dynamically and handed to the core with the name of the bundle that registered it (so its
 * faults are attributed).
 */
@Component(immediate = true)
public final class ListenerWhiteboard {
    private final HwBreakpointCore core;

    @Activate
    public ListenerWhiteboard(@Reference HwBreakpointCore core) {
        this.core = core;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addHardwareListener(HardwareListener listener, ServiceReference<HardwareListener> ref,
            Map<String, Object> props) {
        boolean guest = Boolean.parseBoolean(String.valueOf(props.get(HardwareListener.GUEST_EVENTS)));
        core.addListener(ref.getBundle().getSymbolicName(), listener, guest);
    }

    void removeHardwareListener(HardwareListener listener) {
        core.removeListener(listener);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addTaskListener(TaskListener listener, ServiceReference<TaskListener> ref) {
        core.addTaskListener(ref.getBundle().getSymbolicName(), listener);
    }

    void removeTaskListener(TaskListener listener) {
        core.removeTaskListener(listener);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addDebugExceptionListener(DebugExceptionListener listener, ServiceReference<DebugExceptionListener> ref) {
        core.addDebugExceptionListener(ref.getBundle().getSymbolicName(), listener);
    }

    void removeDebugExceptionListener(DebugExceptionListener listener) {
        core.removeDebugExceptionListener(listener);
    }
}
