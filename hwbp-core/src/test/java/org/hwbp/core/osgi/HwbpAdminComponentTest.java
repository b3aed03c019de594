package org.hwbp.core.osgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** hwbp:policy's way through Config Admin: what it writes, and when it writes nothing. */
class HwbpAdminComponentTest {
    private final HwBreakpointCore core = new HwBreakpointCore(4, Policy.LINUX, 1000);
    private final HwbpAdminComponent admin = new HwbpAdminComponent(null, core);
    /** The properties of every Configuration.update, in order. */
    private final List<Dictionary<String, ?>> updates = new ArrayList<>();

    @AfterEach
    void shutdown() {
        core.shutdown();
    }

    /**
     * A Config Admin whose one configuration applies each update to the core at once, as the machine component's
     * modified method does when SCR delivers it.
     */
    private ConfigurationAdmin configAdmin() {
        Configuration config = (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Configuration.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getProperties":
                            return updates.isEmpty() ? null : updates.get(updates.size() - 1);
                        case "update":
                            @SuppressWarnings("unchecked")
                            Dictionary<String, ?> props = (Dictionary<String, ?>) args[0];
                            updates.add(props);
                            core.setPolicy(Policy.parse((String) props.get("policy")));
                            return null;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
        return (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConfigurationAdmin.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConfiguration") && MachineConfig.PID.equals(args[0])) {
                        return config;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aNewPolicyIsWrittenWithTheCpuCountAndApplied() {
        admin.setConfigAdmin(configAdmin());

        assertThat(admin.setPolicy("debugger-priority")).isEqualTo("debugger-priority");

        assertThat(core.policy()).isEqualTo(Policy.DEBUGGER_PRIORITY);
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).get("policy")).isEqualTo("debugger-priority");
        assertThat(updates.get(0).get("cpus")).isEqualTo(4);
    }

    /** The write would change nothing and nobody would wait for it: it could race the next one in SCR. */
    @Test
    void thePolicyTheCoreAlreadyHasWritesNothing() {
        admin.setConfigAdmin(configAdmin());

        assertThat(admin.setPolicy("linux")).isEqualTo("linux");
        assertThat(updates).isEmpty();

        admin.setPolicy("debugger-priority");
        admin.setPolicy("debugger-priority");
        assertThat(updates).hasSize(1);
    }

    @Test
    void withoutConfigAdminAChangeIsRefusedAndChangesNothing() {
        assertThatThrownBy(() -> admin.setPolicy("debugger-priority")).isInstanceOfSatisfying(HwbpException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
        assertThat(core.policy()).isEqualTo(Policy.LINUX);
    }
}
