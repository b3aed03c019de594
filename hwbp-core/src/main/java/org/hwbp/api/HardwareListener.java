package org.hwbp.api;

import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service: told whenever CPUs' debug registers change hands. Register it as an OSGi service;
 * set the service property {@link #GUEST_EVENTS} to {@code true} to hear guest entries and exits too.
 */
@ConsumerType
public interface HardwareListener {

    /** Service property: {@code true} to be told of guest claims (one per VM entry). */
    String GUEST_EVENTS = "hwbp.listener.guest";

    /** {@code holder} now holds the debug registers of {@code cpus}. */
    void claimed(Set<Integer> cpus, Holder holder);

    /** {@code holder} gave {@code cpus} back to the host; their registers were restored from the shadows. */
    void released(Set<Integer> cpus, Holder holder);
}
