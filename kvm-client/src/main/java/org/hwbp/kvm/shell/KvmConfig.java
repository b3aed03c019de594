package org.hwbp.kvm.shell;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Configuration of the kvm client (PID {@value #PID}). */
@ObjectClassDefinition(name = "hwbp-sandbox kvm",
        description = "Simulated KVM: the debug-register sequence around VM entry and exit")
public @interface KvmConfig {
    String PID = "org.hwbp.kvm";

    @AttributeDefinition(name = "Policy",
            description = "today (Linux 6.12 lazy switching) or 2009 (2.6.29 conservative save/restore); applied live",
            options = { @Option(label = "today", value = "today"), @Option(label = "2009", value = "2009") })
    String policy() default "today";
}
