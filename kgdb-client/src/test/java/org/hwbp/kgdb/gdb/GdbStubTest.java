package org.hwbp.kgdb.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.HwbpException;
import org.hwbp.kgdb.Fixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** gdb_cmd_break()'s replies and get_packet()'s framing. */
class GdbStubTest {
    private final Fixture f = new Fixture().startKgdb();

    @AfterEach
    void close() {
        f.close();
    }

    private static String framed(String data) {
        return String.format("$%s#%02x", data, GdbStub.checksum(data));
    }

    @Test
    void eachSupportedTypeSetsAndRemoves() {
        assertThat(f.packet("Z1,ffffffff81234560,1")).isEqualTo("OK");
        assertThat(f.packet("Z2,ffffffff82001000,4")).isEqualTo("OK");
        assertThat(f.packet("Z4,ffffffff82002000,8")).isEqualTo("OK");
        assertThat(f.kgdb.entries()).extracting(e -> e.type()).containsExactly(BreakpointSpec.X, BreakpointSpec.W,
                BreakpointSpec.RW, 0);

        assertThat(f.packet("z1,ffffffff81234560,1")).isEqualTo("OK");
        assertThat(f.packet("z2,ffffffff82001000,4")).isEqualTo("OK");
        assertThat(f.packet("z4,ffffffff82002000,8")).isEqualTo("OK");
        assertThat(f.kgdbService.isUsed()).isFalse();
    }

    @Test
    void everyFailureOfTheArchIsE01() {
        // read watchpoint: none on x86
        assertThat(f.packet("Z3,ffffffff82001000,4")).isEqualTo("E01");
        // bad length
        assertThat(f.packet("Z2,ffffffff82001000,3")).isEqualTo("E01");
        // no such breakpoint to remove
        assertThat(f.packet("z2,ffffffff82001000,4")).isEqualTo("E01");
        // no free entry
        for (int i = 0; i < 4; i++) {
            assertThat(f.packet(String.format("Z2,%x,8", Fixture.DATA + 8L * i))).isEqualTo("OK");
        }
        assertThat(f.packet("Z2,ffffffff82003000,8")).isEqualTo("E01");
        assertThat(f.core.check()).isEmpty();
    }

    @Test
    void slotsFullOnOneCpuIsE01AndNoCpuKeepsAReservation() {
        f.fill(2);

        assertThat(f.packet("Z2,ffffffff82001000,4")).isEqualTo("E01");

        assertThat(f.kgdbService.breakpoints()).noneMatch(Breakpoint::isReserved);
        assertThat(f.core.slotsInUse(0)).isZero();
        assertThat(f.core.check()).isEmpty();
    }

    @Test
    void aHeldConstraintLockIsE01WithoutWaiting() throws Exception {
        String reply;
        long took;
        try (AutoCloseable inFlight = f.registrationInFlight(0, BreakpointSpec.NO_TASK)) {
            long t0 = System.nanoTime();
            reply = f.packet("Z2,ffffffff82001000,4");
            took = System.nanoTime() - t0;
        }
        assertThat(reply).isEqualTo("E01");
        assertThat(took).isLessThan(100_000_000L);
        assertThat(f.kgdbService.isUsed()).isFalse();
        assertThat(f.packet("Z2,ffffffff82001000,4")).isEqualTo("OK");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Z", "z", "Z0,ffffffff82001000,1", "z0,ffffffff82001000,1", "Z5,ffffffff82001000,4",
        "Za,ffffffff82001000,4", "Z/,1,1", "Z0", "g", "m0,4", "qSupported", "s", "H", ""})
    void unsupportedPacketsGetTheEmptyReply(String packet) {
        assertThat(f.packet(packet)).isEmpty();
        assertThat(f.kgdbService.isUsed()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Z2", "Z2;1000,4", "Z21000,4", "Z2,", "Z2,xyz,4", "Z2,-,4", "Z2,1000", "Z2,1000,",
        "Z2,1000;4", "Z2,1000,x", "z4,,8", "Z3", "Z1,ffffffff81234560"})
    void malformedPacketsGetE22AsEinvalErrorPackets(String packet) {
        assertThat(f.packet(packet)).isEqualTo("E22");
        assertThat(f.kgdbService.isUsed()).isFalse();
    }

    @Test
    void numbersAreParsedAsKgdbHex2longDoes() {
        // Upper-case digits, a leading '-' (negated), and whatever follows the length (gdb's ;cond list).
        assertThat(f.packet("Z2,FFFFFFFF82001000,4;X2,0a")).isEqualTo("OK");
        assertThat(f.packet(String.format("Z4,-%x,2", -Fixture.DATA2))).isEqualTo("OK");
        assertThat(f.kgdb.entries().get(0).addr()).isEqualTo(Fixture.DATA);
        assertThat(f.kgdb.entries().get(1).addr()).isEqualTo(Fixture.DATA2);
        assertThat(f.kgdb.entries().get(1).len()).isEqualTo(2);
        // A hardware breakpoint's length is forced to 1 whatever gdb sends.
        assertThat(f.packet("Z1,ffffffff81234560,8")).isEqualTo("OK");
        assertThat(f.kgdb.entries().get(2).len()).isEqualTo(1);
    }

    @Test
    void framedPacketsAreCheckedAndUnwrapped() {
        assertThat(f.packet(framed("Z2,ffffffff82001000,4"))).isEqualTo("OK");
        assertThat(f.packet(framed("z2,ffffffff82001000,4"))).isEqualTo("OK");
        assertThat(f.packet(framed("Z0,ffffffff82001000,1"))).isEmpty();
        assertThat(f.packet(framed("Z3,ffffffff82001000,1"))).isEqualTo("E01");
        // Frames as the protocol documentation shows them.
        assertThat(GdbStub.checksum("g")).isEqualTo(0x67);
        assertThat(GdbStub.checksum("OK")).isEqualTo(0x9a);
        assertThat(GdbStub.unframe("$?#3f")).isEqualTo("?");
        assertThat(GdbStub.unframe("$OK#9A")).isEqualTo("OK");
    }

    @ParameterizedTest
    @ValueSource(strings = {"$Z2,ffffffff82001000,4#00", "$Z2,ffffffff82001000,4", "$Z2,ffffffff82001000,4#1",
        "$Z2,ffffffff82001000,4#zz", "$Z2,ffffffff82001000,4#0b0"})
    void aBadFrameIsEinvalAndChangesNothing(String packet) {
        assertThatThrownBy(() -> f.packet(packet)).isInstanceOf(HwbpException.class).hasMessageStartingWith("EINVAL: PACKET");
        assertThat(f.kgdbService.isUsed()).isFalse();
    }

    @Test
    void errorPacketsAreTwoDecimalDigits() {
        assertThat(GdbStub.errorPacket(-1)).isEqualTo("E01");
        assertThat(GdbStub.errorPacket(-22)).isEqualTo("E22");
    }
}
