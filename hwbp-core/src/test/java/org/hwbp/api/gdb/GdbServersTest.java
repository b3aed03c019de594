package org.hwbp.api.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.hwbp.api.HwbpException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-key registry of servers the ptrace and kvm clients share. */
class GdbServersTest {
    private final List<TestTarget> released = new ArrayList<>();
    private final Map<Integer, Runnable> ends = new TreeMap<>();
    private final GdbServers<Integer, TestTarget> servers = new GdbServers<>("gdbstub", "VM", released::add);

    @AfterEach
    void tearDown() {
        servers.closeAll();
    }

    private GdbServer open(int key) {
        return servers.open(key, 0, onEnd -> {
            ends.put(key, onEnd);
            return new TestTarget(2);
        });
    }

    private static boolean refused(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }

    @Test
    void oneServerPerKeyListedByKeyAndClosedWithItsTargetReleased() throws Exception {
        GdbServer two = open(2);
        GdbServer one = open(1);
        assertThatThrownBy(() -> open(1)).isInstanceOf(HwbpException.class)
                .hasMessage("EBUSY: VM 1 is served already by gdb server on 127.0.0.1:" + one.port());
        assertThat(servers.describe(t -> ", x")).containsExactly(
                "VM 1: listening on 127.0.0.1:" + one.port(), "VM 2: listening on 127.0.0.1:" + two.port());
        TestTarget target = servers.target(1);
        assertThat(servers.targets()).hasSize(2).contains(target);

        servers.close(1);
        assertThat(one.isOpen()).isFalse();
        assertThat(refused(one.port())).isTrue();
        assertThat(released).containsExactly(target);
        assertThat(servers.target(1)).isNull();
        assertThatThrownBy(() -> servers.close(1)).isInstanceOf(HwbpException.class)
                .hasMessage("ENOENT: no gdbstub for VM 1");
        // the key is free again
        assertThat(open(1).isOpen()).isTrue();
    }

    @Test
    void aConnectedGdbIsListedWithTheTargetsStateAndClosingDetachesIt() throws Exception {
        GdbServer s = open(1);
        try (RawClient gdb = new RawClient(s.port())) {
            assertThat(gdb.readPacketAfter("?")).isNotEmpty();
            assertThat(servers.describe(t -> t.running() ? ", running" : ", stopped")).singleElement()
                    .asString().matches("VM 1: listening on 127\\.0\\.0\\.1:" + s.port()
                            + ", gdb connected from 127\\.0\\.0\\.1:\\d+, stopped");
            servers.closeAll();
            assertThat(servers.target(1)).isNull();
            assertThat(released).hasSize(1);
            assertThat(released.get(0).detaches.get()).isEqualTo(1);
        }
    }

    @Test
    void theTargetsEndCallbackClosesItsServerOnceAndAStaleOneNothing() throws Exception {
        GdbServer first = open(1);
        Runnable firstEnd = ends.get(1);
        firstEnd.run();
        assertThat(first.isOpen()).isFalse();
        assertThat(servers.target(1)).isNull();
        assertThat(released).hasSize(1);
        GdbServer second = open(1);
        // the first server's callback again: the second server is not its to close
        firstEnd.run();
        assertThat(second.isOpen()).isTrue();
        assertThat(released).hasSize(1);
    }

    @Test
    void closeIfClosesOnlyWhenTheTargetSaysSo() {
        GdbServer s = open(1);
        assertThat(servers.closeIf(1, t -> false)).isFalse();
        assertThat(s.isOpen()).isTrue();
        assertThat(servers.closeIf(2, t -> true)).isFalse();
        assertThat(servers.closeIf(1, t -> !t.running())).isTrue();
        assertThat(s.isOpen()).isFalse();
        assertThat(released).hasSize(1);
    }

    @Test
    void aPortInUseReleasesTheTargetMadeForIt() throws Exception {
        GdbServer s = open(1);
        assertThatThrownBy(() -> servers.open(2, s.port(), onEnd -> new TestTarget(1)))
                .isInstanceOf(HwbpException.class).hasMessageStartingWith("EBUSY: 127.0.0.1:" + s.port());
        assertThat(released).hasSize(1);
        assertThat(servers.target(2)).isNull();
    }
}
