package org.hwbp.core.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the simulated machine (PID {@value #PID}). */
@ObjectClassDefinition(name = "hwbp-sandbox machine",
        description = "The simulated x86 machine whose debug registers are shared")
public @interface MachineConfig {
    String PID = "org.hwbp.core.machine";
    int DEFAULT_CPUS = 4;
    String DEFAULT_POLICY = "linux";
    long DEFAULT_CALLBACK_TIMEOUT_MS = 200;

    @AttributeDefinition(name = "CPUs", description = "Number of online CPUs (1..1024, NR_CPUS); changing it reboots the machine")
    int cpus() default DEFAULT_CPUS;

    @AttributeDefinition(name = "Policy", description = "linux or debugger-priority; applied live",
            options = { @org.osgi.service.metatype.annotations.Option(label = "linux", value = "linux"),
                    @org.osgi.service.metatype.annotations.Option(label = "debugger-priority", value = "debugger-priority") })
    String policy() default DEFAULT_POLICY;

    @AttributeDefinition(name = "Callback timeout (ms)",
            description = "How long a client callback may run before its bundle is skipped as blocked")
    long callbackTimeoutMs() default DEFAULT_CALLBACK_TIMEOUT_MS;
}
