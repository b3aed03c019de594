package org.hwbp.api.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server over real sockets, with {@link RawClient} as gdb. */
class GdbServerTest {
    private TestTarget target;
    private GdbServer server;

    @BeforeEach
    void listen() {
        target = new TestTarget(2);
        server = GdbServer.listen(0, target);
    }

    @AfterEach
    void close() {
        server.close();
    }

    @Test
    void listensOnLoopbackOnlyUnlessToldOtherwise() {
        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(server.toString()).isEqualTo("gdb server on 127.0.0.1:" + server.port());
    }

    @Test
    void anExplicitBindAddressIsTheOnlyOneListenedOn() throws Exception {
        InetAddress other = InetAddress.getByName("127.0.0.2");
        try (GdbServer elsewhere = GdbServer.listen(other, 0, new TestTarget(1))) {
            assertThat(elsewhere.address().getAddress()).isEqualTo(other);
            try (Socket s = new Socket(other, elsewhere.port())) {
                assertThat(s.isConnected()).isTrue();
            }
            assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), elsewhere.port()).close())
                    .isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void aPortInUseIsEbusy() {
        assertThatThrownBy(() -> GdbServer.listen(server.port(), new TestTarget(1)))
                .isInstanceOfSatisfying(HwbpException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EBUSY);
                    assertThat(e.getMessage()).isEqualTo("EBUSY: 127.0.0.1:" + server.port() + " is in use");
                });
        assertThatThrownBy(() -> GdbServer.listen(70000, new TestTarget(1)))
                .isInstanceOfSatisfying(HwbpException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void answersTheGenericPackets() throws Exception {
        try (RawClient gdb = new RawClient(server.port())) {
            assertThat(gdb.ask("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+"))
                    .isEqualTo("PacketSize=4000;QStartNoAckMode+;qXfer:features:read+;vContSupported+;hwbreak+");
            assertThat(gdb.ask("vMustReplyEmpty")).isEmpty();
            assertThat(gdb.ask("?")).isEqualTo("T05thread:1;");
            assertThat(gdb.ask("qC")).isEqualTo("QC1");
            assertThat(gdb.ask("qfThreadInfo")).isEqualTo("m1,2");
            assertThat(gdb.ask("qsThreadInfo")).isEqualTo("l");
            assertThat(gdb.ask("qThreadExtraInfo,2")).isEqualTo(Hex.encode("CPU 1"));
            assertThat(gdb.ask("qAttached")).isEqualTo("1");
            assertThat(gdb.ask("T2")).isEqualTo("OK");
            assertThat(gdb.ask("T9")).isEqualTo("E03");
            assertThat(gdb.ask("Hg2")).isEqualTo("OK");
            assertThat(gdb.ask("Hg7")).isEqualTo("E03");
            assertThat(gdb.ask("Hc-1")).isEqualTo("OK");
            assertThat(gdb.ask("vCont?")).isEqualTo("vCont;c;C;s;S");
            // rip of thread 2 (Hg2), little-endian
            assertThat(gdb.ask("p10")).isEqualTo("00020081ffffffff");
            assertThat(gdb.ask("P0=2a00000000000000")).isEqualTo("OK");
            assertThat(gdb.ask("p0")).isEqualTo("2a00000000000000");
            assertThat(gdb.ask("p3f")).isEqualTo("E16");
            assertThat(gdb.ask("g")).hasSize(2 * target.description().registers().stream()
                    .mapToInt(TargetDescription.Register::bytes).sum());
            assertThat(gdb.ask("M1000,4:01020304")).isEqualTo("OK");
            assertThat(gdb.ask("m1000,6")).isEqualTo("010203040000");
            assertThat(gdb.ask("m10,4")).isEqualTo("E05");
            assertThat(gdb.ask("M1000,2:01")).isEqualTo("E16");
            assertThat(gdb.ask("Z2,1000,4")).isEqualTo("OK");
            assertThat(gdb.ask("Z3,1010,3")).isEqualTo("E16");
            assertThat(gdb.ask("Z0,ffffffff81000000,1")).isEmpty();
            assertThat(gdb.ask("Z9,1000,1")).isEmpty();
            assertThat(target.slots()).containsExactly(new TestTarget.Slot(BreakpointType.WRITE_WATCHPOINT, 0x1000, 4));
            assertThat(gdb.ask("z2,1000,4")).isEqualTo("OK");
            assertThat(gdb.ask("z2,1000,4")).isEqualTo("E02");
            assertThat(gdb.ask("qTStatus")).isEmpty();
            assertThat(gdb.ask("bogus")).isEmpty();
            assertThat(gdb.ask("qXfer:features:read:other.xml:0,100")).isEqualTo("E02");
        }
    }

    @Test
    void servesTargetXmlInPages() throws Exception {
        byte[] xml = target.description().xml();
        assertThat(new String(xml, StandardCharsets.UTF_8)).contains("<architecture>i386:x86-64</architecture>",
                "<feature name=\"org.gnu.gdb.i386.core\">", "<feature name=\"org.gnu.gdb.i386.sse\">",
                "<feature name=\"org.hwbp.debugregs\">", "<reg name=\"dr7\" bitsize=\"64\" type=\"uint64\" regnum=\"62\"/>");
        try (RawClient gdb = new RawClient(server.port())) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int pages = 0;
            while (true) {
                byte[] reply = gdb.readPacketAfter("qXfer:features:read:target.xml:" + Integer.toHexString(got.size())
                        + ",100");
                pages++;
                byte[] data = Hex.unescape(reply, 1, reply.length);
                assertThat(data.length).isLessThanOrEqualTo(0x100);
                got.writeBytes(data);
                if (reply[0] == 'l') {
                    break;
                }
                assertThat((char) reply[0]).isEqualTo('m');
            }
            assertThat(got.toByteArray()).isEqualTo(xml);
            assertThat(pages).isEqualTo((xml.length + 0xff) / 0x100);
            assertThat(gdb.ask("qXfer:features:read:target.xml:" + Integer.toHexString(xml.length) + ",100"))
                    .isEqualTo("l");
        }
    }

    @Test
    void binaryWritesUnescapeAndNoAckModeAppliesAfterTheOk() throws Exception {
        try (RawClient gdb = new RawClient(server.port())) {
            assertThat(gdb.ask("QStartNoAckMode")).isEqualTo("OK");
            gdb.noAck();
            byte[] data = {'#', '$', '}', '*', 0, 0x7f};
            ByteArrayOutputStream x = new ByteArrayOutputStream();
            x.writeBytes("X2000,6:".getBytes(StandardCharsets.ISO_8859_1));
            x.writeBytes(Hex.escape(data));
            gdb.send(x.toByteArray());
            assertThat(gdb.read()).isEqualTo("OK");
            assertThat(gdb.ask("X2000,0:")).isEqualTo("OK");
            assertThat(gdb.ask("m2000,6")).isEqualTo("23247d2a007f");
            // a run-length-encoded reply: 64 zero bytes
            assertThat(gdb.ask("m2100,40")).isEqualTo("00".repeat(0x40));
        }
    }

    @Test
    void anOversizedPacketIsRefusedAndTheSessionGoesOn() throws Exception {
        try (RawClient gdb = new RawClient(server.port())) {
            gdb.send("M1000,2000:" + "00".repeat(0x2000));
            assertThat(gdb.read()).isEqualTo("E16");
            assertThat(gdb.ask("?")).isEqualTo("T05thread:1;");
        }
    }

    @Test
    void asyncConsoleOutputAndStopsReachAWaitingGdbOnly() throws Exception {
        try (RawClient gdb = new RawClient(server.port())) {
            assertThat(gdb.ask("qSupported:hwbreak+")).contains("hwbreak+");
            assertThat(gdb.ask("Z2,1000,4")).isEqualTo("OK");
            GdbSession session = target.session();
            assertThat(session.console("not waiting")).isFalse();
            gdb.send("vCont;c");
            assertThat(target.resumed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(session.console("hello\n")).isTrue();
            assertThat(gdb.read()).isEqualTo("O" + Hex.encode("hello\n"));
            assertThat(target.access(2, 0x1002, 2, true, 9)).isTrue();
            assertThat(gdb.read()).isEqualTo("T05thread:2;watch:1000;");
            // stopped now: a second stop only changes what '?' says
            assertThat(session.stopped(StopEvent.hardwareBreakpoint(1))).isFalse();
            assertThat(gdb.ask("?")).isEqualTo("T05thread:1;hwbreak:;");
            assertThat(gdb.ask("qC")).isEqualTo("QC1");
            gdb.send("s");
            assertThat(gdb.read()).isEqualTo("T05thread:1;");
            gdb.send("c");
            gdb.sendRaw(new byte[] {3});
            assertThat(gdb.read()).isEqualTo("T02thread:1;");
        }
    }

    @Test
    void monitorOutputComesAsConsolePacketsThenOk() throws Exception {
        try (RawClient gdb = new RawClient(server.port())) {
            gdb.send("qRcmd," + Hex.encode("echo hi"));
            assertThat(gdb.read()).isEqualTo("O" + Hex.encode("hi\n"));
            assertThat(gdb.read()).isEqualTo("OK");
            gdb.send("qRcmd," + Hex.encode("nope"));
            assertThat(gdb.read()).isEqualTo("O" + Hex.encode("EINVAL: unknown command 'nope'\n"));
            assertThat(gdb.read()).isEqualTo("E16");
        }
    }

    @Test
    void detachKillAndDisconnectEachEndTheSessionWithOneHook() throws Exception {
        try (RawClient gdb = new RawClient(server.port())) {
            assertThat(gdb.ask("D")).isEqualTo("OK");
            assertThat(gdb.closedByServer()).isTrue();
        }
        awaitNoPeer();
        assertThat(List.of(target.detaches.get(), target.kills.get())).containsExactly(1, 0);
        try (RawClient gdb = new RawClient(server.port())) {
            gdb.send("k");
            assertThat(gdb.closedByServer()).isTrue();
        }
        awaitNoPeer();
        assertThat(List.of(target.detaches.get(), target.kills.get())).containsExactly(1, 1);
        try (RawClient gdb = new RawClient(server.port())) {
            assertThat(gdb.ask("?")).startsWith("T05");
        } // end of stream
        awaitNoPeer();
        assertThat(List.of(target.detaches.get(), target.kills.get())).containsExactly(2, 1);
        try (RawClient gdb = new RawClient(server.port())) {
            assertThat(gdb.ask("?")).startsWith("T05");
            gdb.socket.setSoLinger(true, 0); // a reset, as from a killed gdb
        }
        awaitNoPeer();
        assertThat(List.of(target.detaches.get(), target.kills.get(), target.attaches.get()))
                .containsExactly(3, 1, 4);
    }

    @Test
    void anExitStopEndsTheSessionWithoutAHook() throws Exception {
        try (RawClient gdb = new RawClient(server.port())) {
            gdb.send("c");
            assertThat(target.resumed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(target.session().stopped(StopEvent.exited(3))).isTrue();
            assertThat(gdb.read()).isEqualTo("W03");
            assertThat(gdb.closedByServer()).isTrue();
        }
        awaitNoPeer();
        assertThat(List.of(target.detaches.get(), target.kills.get())).containsExactly(0, 0);
    }

    @Test
    void aSecondClientIsRefusedAndTheFirstUndisturbed() throws Exception {
        try (RawClient first = new RawClient(server.port())) {
            assertThat(first.ask("?")).startsWith("T05");
            InetSocketAddress firstPeer = server.peer().orElseThrow();
            try (RawClient second = new RawClient(server.port())) {
                assertThat(second.ask("qSupported")).isEqualTo("E.EBUSY: gdb at 127.0.0.1:" + firstPeer.getPort()
                        + " is already connected to this target");
                assertThat(second.closedByServer()).isTrue();
            }
            assertThat(first.ask("qC")).isEqualTo("QC1");
            assertThat(server.peer()).contains(firstPeer);
            assertThat(target.attaches.get()).isEqualTo(1);
        }
    }

    @Test
    void closeEndsTheSessionAndLeavesNoThreadOrSocket() throws Exception {
        int port = server.port();
        try (RawClient gdb = new RawClient(port)) {
            assertThat(gdb.ask("?")).startsWith("T05");
            assertThat(threadsOf(port)).containsExactlyInAnyOrder("gdb-listen-" + port, "gdb-session-" + port);
            server.close();
            assertThat(gdb.closedByServer()).isTrue();
        }
        assertThat(target.detaches.get()).isEqualTo(1);
        assertThat(server.isOpen()).isFalse();
        assertThat(server.peer()).isEmpty();
        assertThat(threadsOf(port)).isEmpty();
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
        server.close(); // idempotent
        assertThat(target.detaches.get()).isEqualTo(1);
    }

    @Test
    void aTargetRefusingTheAttachTurnsGdbAway() throws Exception {
        server.close();
        TestTarget paused = new TestTarget(1) {
            @Override
            public synchronized StopEvent attach(GdbSession s) {
                throw new HwbpException(Errno.EBUSY, "the core is paused");
            }
        };
        server = GdbServer.listen(0, paused);
        try (RawClient gdb = new RawClient(server.port())) {
            assertThat(gdb.ask("qSupported")).isEqualTo("E.EBUSY: the core is paused");
            assertThat(gdb.closedByServer()).isTrue();
        }
        awaitNoPeer();
        assertThat(List.of(paused.detaches.get(), paused.kills.get())).containsExactly(0, 0);
    }

    static List<String> threadsOf(int port) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.equals("gdb-listen-" + port) || n.equals("gdb-session-" + port)).toList();
    }

    private void awaitNoPeer() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.peer().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.peer()).isEmpty();
    }
}
