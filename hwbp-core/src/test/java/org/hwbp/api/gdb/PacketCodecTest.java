package org.hwbp.api.gdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class PacketCodecTest {
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final List<String> packets = new ArrayList<>();
    private final List<Integer> oversized = new ArrayList<>();
    private int interrupts;
    private final PacketCodec codec = new PacketCodec(sent, 16, new PacketCodec.Receiver() {
        @Override
        public void packet(byte[] payload) {
            packets.add(new String(payload, StandardCharsets.ISO_8859_1));
        }

        @Override
        public void interrupt() {
            interrupts++;
        }

        @Override
        public void oversized(int length) {
            oversized.add(length);
        }
    });

    private void feed(String bytes) throws IOException {
        for (byte b : bytes.getBytes(StandardCharsets.ISO_8859_1)) {
            codec.feed(b & 0xff);
        }
    }

    private String sent() {
        String s = sent.toString(StandardCharsets.ISO_8859_1);
        sent.reset();
        return s;
    }

    @Test
    void framesWithTheModulo256Checksum() {
        assertThat(new String(PacketCodec.frame("OK".getBytes()), StandardCharsets.ISO_8859_1)).isEqualTo("$OK#9a");
        assertThat(new String(PacketCodec.frame(new byte[0]), StandardCharsets.ISO_8859_1)).isEqualTo("$#00");
        // 'T'+'0'+'5' = 0x54+0x30+0x35 = 0xb9
        assertThat(new String(PacketCodec.frame("T05".getBytes()), StandardCharsets.ISO_8859_1)).isEqualTo("$T05#b9");
    }

    @Test
    void acknowledgesAGoodPacketAndRejectsABadChecksumUntilGdbResends() throws IOException {
        feed("$g#67");
        assertThat(packets).containsExactly("g");
        assertThat(sent()).isEqualTo("+");
        feed("$g#68");
        assertThat(packets).containsExactly("g");
        assertThat(sent()).isEqualTo("-");
        assertThat(codec.badChecksums()).isEqualTo(1);
        feed("$g#zz");
        assertThat(sent()).isEqualTo("-");
        feed("$m1000,4#8e");
        assertThat(packets).containsExactly("g", "m1000,4");
    }

    @Test
    void retransmitsTheLastPacketAfterANak() throws IOException {
        codec.send("OK".getBytes());
        assertThat(sent()).isEqualTo("$OK#9a");
        feed("-");
        assertThat(sent()).isEqualTo("$OK#9a");
        feed("-");
        assertThat(sent()).isEqualTo("$OK#9a");
        feed("+");
        feed("-");
        assertThat(sent()).isEmpty();
        assertThat(codec.retransmissions()).isEqualTo(2);
    }

    @Test
    void noAckModeNeitherAcknowledgesNorRetransmitsNorChecksChecksums() throws IOException {
        codec.noAckMode();
        feed("$g#00");
        assertThat(packets).containsExactly("g");
        codec.send("OK".getBytes());
        assertThat(sent()).isEqualTo("$OK#9a");
        feed("-");
        assertThat(sent()).isEmpty();
    }

    @Test
    void skipsGarbageBetweenPacketsAndRestartsOnADollar() throws IOException {
        feed("xyz\r\n$?#3f");
        assertThat(packets).containsExactly("?");
        assertThat(codec.garbage()).isEqualTo(5);
        feed("$qC$?#3f");
        assertThat(packets).containsExactly("?", "?");
        assertThat(codec.garbage()).isEqualTo(5 + 3);
    }

    @Test
    void theInterruptByteBetweenPacketsIsAnInterruptInsideOneData() throws IOException {
        feed("\u0003");
        assertThat(interrupts).isEqualTo(1);
        String data = "X0,1:\u0003";
        feed("$" + data + "#" + String.format("%02x", PacketCodec.checksum(data.getBytes(StandardCharsets.ISO_8859_1))));
        assertThat(interrupts).isEqualTo(1);
        assertThat(packets).containsExactly(data);
    }

    @Test
    void anOversizedPacketIsAcknowledgedAndRefusedAndTheNextOneIsServed() throws IOException {
        String big = "M1000,10:" + "00".repeat(16);
        feed("$" + big + "#" + String.format("%02x", PacketCodec.checksum(big.getBytes())));
        assertThat(oversized).containsExactly(big.length());
        assertThat(packets).isEmpty();
        assertThat(sent()).isEqualTo("+");
        feed("$g#67");
        assertThat(packets).containsExactly("g");
    }

    @Test
    void binaryEscapesXorTheFourSpecialBytes() {
        byte[] raw = {'#', '$', '}', '*', 'a', 0};
        byte[] escaped = Hex.escape(raw);
        assertThat(escaped).containsExactly('}', 0x03, '}', 0x04, '}', 0x5d, '}', 0x0a, 'a', 0);
        assertThat(Hex.unescape(escaped, 0, escaped.length)).containsExactly(raw);
        assertThatThrownBy(() -> Hex.unescape(new byte[] {'a', '}'}, 0, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runLengthEncodingUsesStarAndCountPlus29AndAvoidsHashAndDollar() {
        assertThat(new String(PacketCodec.runLengthEncode("0000000000".getBytes()))).isEqualTo("0*&");
        assertThat(new String(PacketCodec.runLengthEncode("000".getBytes()))).isEqualTo("000");
        assertThat(new String(PacketCodec.runLengthEncode("0000".getBytes()))).isEqualTo("0* ");
        // 7 zeros = 6 repeats, whose count would be '#': cut to 5 repeats and one literal
        assertThat(new String(PacketCodec.runLengthEncode("0000000".getBytes()))).isEqualTo("0*\"0");
        assertThat(new String(PacketCodec.runLengthEncode("00000000".getBytes()))).isEqualTo("0*\"00");
        // the longest run one count character can carry is 98 bytes
        assertThat(new String(PacketCodec.runLengthEncode("f".repeat(100).getBytes()))).isEqualTo("f*~ff");
    }

    @Test
    void runLengthEncodingRoundTripsAndNeverEmitsFramingBytes() {
        Random random = new Random(14);
        for (int n = 0; n < 2000; n++) {
            byte[] data = new byte[random.nextInt(300)];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) "0f0$#}*a".charAt(random.nextInt(random.nextBoolean() ? 2 : 8));
            }
            byte[] payload = Hex.escape(data);
            byte[] encoded = PacketCodec.runLengthEncode(payload);
            assertThat(PacketCodec.runLengthDecode(encoded)).containsExactly(payload);
            assertThat(Hex.unescape(PacketCodec.runLengthDecode(encoded), 0, payload.length)).containsExactly(data);
            for (int i = 0; i < encoded.length; i++) {
                assertThat(encoded[i]).isNotIn((byte) '#', (byte) '$');
            }
            assertThat(encoded.length).isLessThanOrEqualTo(payload.length);
        }
    }

    @Test
    void hexHelpersRejectMalformedInput() {
        assertThat(Hex.encode(new byte[] {0, (byte) 0xff, 0x1a})).isEqualTo("00ff1a");
        assertThat(Hex.decode("00FF1a")).containsExactly(0, 0xff, 0x1a);
        assertThat(Hex.parseUnsigned("ffffffff81000000")).isEqualTo(0xffffffff81000000L);
        assertThatThrownBy(() -> Hex.decode("abc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hex.parseUnsigned("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hex.parseUnsigned("1ffffffff81000000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hex.parseSize("80000000")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Arrays.equals(Hex.decode(""), new byte[0])).isTrue();
    }
}
