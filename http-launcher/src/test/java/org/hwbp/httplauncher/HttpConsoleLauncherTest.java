package org.hwbp.httplauncher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HttpConsoleLauncherTest {

    @Test
    void aPortIsOneTo65535() {
        assertThat(HttpConsoleLauncher.parsePort("8080")).isEqualTo(8080);
        assertThat(HttpConsoleLauncher.parsePort(" 1 ")).isEqualTo(1);
        assertThat(HttpConsoleLauncher.parsePort("65535")).isEqualTo(65535);
        for (String bad : new String[] {"0", "65536", "-1", "http", ""}) {
            assertThatThrownBy(() -> HttpConsoleLauncher.parsePort(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("hwbp.http.port must be a TCP port 1..65535, not '" + bad + "'");
        }
    }

    @Test
    void withoutTheFolderInItsJarThereIsNothingToInstall() throws Exception {
        // The module's own class path has no http/README: only the runtime jar carries the bundles.
        assertThat(HttpConsoleLauncher.bundleEntries()).isEmpty();
    }
}
