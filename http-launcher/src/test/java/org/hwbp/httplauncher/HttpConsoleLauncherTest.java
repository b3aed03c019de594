package org.hwbp.httplauncher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
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
    void aPortInUseIsEaddrinuseAndAFreeOneIsFine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThat(HttpConsoleLauncher.unavailable("127.0.0.1", port))
                    .startsWith("EADDRINUSE: hwbp.http.port: cannot listen on 127.0.0.1:" + port + " (");
        }
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        assertThat(HttpConsoleLauncher.unavailable("127.0.0.1", free)).isNull();
    }

    @Test
    void anAddressNotOnThisMachineIsEaddrnotavail() {
        // 192.0.2.1: TEST-NET-1 (RFC 5737), assigned to no host
        assertThat(HttpConsoleLauncher.unavailable("192.0.2.1", 8080))
                .startsWith("EADDRNOTAVAIL: hwbp.http.port: cannot listen on 192.0.2.1:8080 (");
    }

    @Test
    void withoutTheFolderInItsJarThereIsNothingToInstall() throws Exception {
        // The module's own class path has no http/README: only the runtime jar carries the bundles.
        assertThat(HttpConsoleLauncher.bundleEntries()).isEmpty();
    }
}
