package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.hwbp.api.x86.Dr6;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.x86.ArchInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** linux-reference.md §3.1–3.2: DR7 layout, encode_dr7()/decode_dr7(), the arch codes and the DR6 constants. */
class Dr7Test {

    @Test
    void layoutConstants() {
        assertThat(Dr7.LOCAL_ENABLE_MASK).isEqualTo(0x55);
        assertThat(Dr7.GLOBAL_ENABLE_MASK).isEqualTo(0xAA);
        assertThat(Dr7.LE).isEqualTo(0x100);
        assertThat(Dr7.GE).isEqualTo(0x200);
        assertThat(Dr7.FIXED_1).isEqualTo(0x400);
        assertThat(Dr7.RESET).isEqualTo(0x400);
        assertThat(Dr7.GD).isEqualTo(0x2000);
        assertThat(Dr7.CONTROL_SHIFT).isEqualTo(16);
        assertThat(Dr7.CONTROL_SIZE).isEqualTo(4);
        assertThat(Dr7.ENABLE_SIZE).isEqualTo(2);
        assertThat(Dr7.CONTROL_RESERVED).isEqualTo(0xFFFFFFFF_0000FC00L);
        assertThat(new int[] {Dr7.RW_EXECUTE, Dr7.RW_WRITE, Dr7.RW_IO, Dr7.RW_READ}).containsExactly(0, 1, 2, 3);
        for (int i = 0; i < 4; i++) {
            assertThat(Dr7.localEnable(i)).isEqualTo(0x1L << (2 * i));
            assertThat(Dr7.globalEnable(i)).isEqualTo(0x2L << (2 * i));
            assertThat(Dr7.controlMask(i)).isEqualTo(0xFL << (16 + 4 * i));
        }
    }

    @Test
    void archCodes() {
        assertThat(ArchInfo.LEN_1).isEqualTo(0x40);
        assertThat(ArchInfo.LEN_2).isEqualTo(0x44);
        assertThat(ArchInfo.LEN_4).isEqualTo(0x4C);
        assertThat(ArchInfo.LEN_8).isEqualTo(0x48);
        assertThat(ArchInfo.LEN_X).isEqualTo(0x40);
        assertThat(ArchInfo.EXECUTE).isEqualTo(0x80);
        assertThat(ArchInfo.WRITE).isEqualTo(0x81);
        assertThat(ArchInfo.RW).isEqualTo(0x83);
    }

    @Test
    void encodeDr7ReferenceExamples() {
        assertThat(Dr7.encode(0, ArchInfo.LEN_4, ArchInfo.RW)).isEqualTo(0x000F0202L);
        assertThat(Dr7.encode(2, ArchInfo.LEN_8, ArchInfo.WRITE)).isEqualTo(0x09000220L);
        assertThat(Dr7.encode(1, ArchInfo.LEN_X, ArchInfo.EXECUTE)).isEqualTo(0x00000208L);
        assertThat(Dr7.encode(3, ArchInfo.LEN_2, ArchInfo.WRITE)).isEqualTo(0x50000280L);
    }

    @ParameterizedTest(name = "slot {0} len 0x{1} type 0x{2}")
    @CsvSource({
        "0, 40, 80", "0, 40, 81", "0, 44, 81", "0, 4C, 83", "0, 48, 83",
        "1, 40, 83", "1, 48, 81", "2, 4C, 81", "2, 44, 83", "3, 48, 83", "3, 40, 80"})
    void decodeInvertsEncode(int slot, String lenHex, String typeHex) {
        int len = Integer.parseInt(lenHex, 16);
        int type = Integer.parseInt(typeHex, 16);
        long dr7 = Dr7.encode(slot, len, type);
        assertThat(Dr7.enabled(dr7, slot)).isTrue();
        assertThat(ArchInfo.decodeLen(dr7, slot)).isEqualTo(len);
        assertThat(ArchInfo.decodeType(dr7, slot)).isEqualTo(type);
        for (int other = 0; other < 4; other++) {
            if (other != slot) {
                assertThat(Dr7.enabled(dr7, other)).isFalse();
            }
        }
    }

    @Test
    void decodeOfCombinedAndOddValues() {
        long dr7 = Dr7.encode(0, ArchInfo.LEN_4, ArchInfo.RW) | Dr7.encode(2, ArchInfo.LEN_8, ArchInfo.WRITE);
        assertThat(dr7).isEqualTo(0x090F0222L);
        assertThat(ArchInfo.decodeLen(dr7, 2)).isEqualTo(ArchInfo.LEN_8);
        assertThat(ArchInfo.decodeType(dr7, 0)).isEqualTo(ArchInfo.RW);
        // R/W = 10 (I/O) decodes to 0x82, which no consumer accepts
        long io = Dr7.localEnable(1) | (0x2L << (16 + 4));
        assertThat(ArchInfo.decodeType(io, 1)).isEqualTo(0x82);
        // a local-only enable counts as enabled (L or G)
        assertThat(Dr7.enabled(Dr7.localEnable(3), 3)).isTrue();
        assertThat(Dr7.enabled(Dr7.GE | Dr7.FIXED_1, 0)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"0, 1", "1, 2", "3, 4", "2, 8"})
    void lenBitsToBytes(int bits, int bytes) {
        assertThat(Dr7.lenBytes(bits)).isEqualTo(bytes);
    }

    @Test
    void archInfoBytesUsesTheDecodedLength() {
        assertThat(new ArchInfo(0, ArchInfo.LEN_8, ArchInfo.WRITE, 0).bytes()).isEqualTo(8);
        assertThat(new ArchInfo(0, ArchInfo.LEN_X, ArchInfo.EXECUTE, 0).bytes()).isEqualTo(1);
        assertThat(new ArchInfo(0, ArchInfo.LEN_X, ArchInfo.EXECUTE, 0).isExecute()).isTrue();
    }

    @Test
    void dr6Constants() {
        assertThat(Dr6.RESET).isEqualTo(0xFFFF0FF0L);
        assertThat(Dr6.TRAP_BITS).isEqualTo(0xF);
        assertThat(Dr6.BD).isEqualTo(0x2000);
        assertThat(Dr6.BS).isEqualTo(0x4000);
        assertThat(Dr6.BT).isEqualTo(0x8000);
        assertThat(Dr6.BUS_LOCK).isEqualTo(0x800);
        assertThat(Dr6.VOLATILE).isEqualTo(0x0001E80FL);
        assertThat(Dr6.FIXED_1).isEqualTo(0xFFFE07F0L);
        assertThat(Dr6.FIXED_1).isEqualTo(Dr6.RESET & ~Dr6.VOLATILE);
        for (int i = 0; i < 4; i++) {
            assertThat(Dr6.trap(i)).isEqualTo(1L << i);
        }
    }

    @Test
    void dr6PositivePolarity() {
        assertThat(Dr6.toPositive(Dr6.RESET)).isZero();
        assertThat(Dr6.toPositive(0xFFFF0FF1L)).isEqualTo(0x1);
        // single step: architectural 0xFFFF4FF0 (the KVM selftest's value) → BS
        assertThat(Dr6.toPositive(0xFFFF4FF0L)).isEqualTo(Dr6.BS);
        // active-low bits: BLD cleared (bus lock) and RTM cleared read as 1 = happened
        assertThat(Dr6.toPositive(0xFFFF07F0L)).isEqualTo(Dr6.BUS_LOCK);
        assertThat(Dr6.toPositive(0xFFFE0FF0L)).isEqualTo(0x10000L);
        assertThat(Dr6.toPositive(0xFFFF2FF0L | 0x6)).isEqualTo(Dr6.BD | 0x6);
    }

    /** The readings hwbp:regs and the Web Console share. */
    @Test
    void slotAndDr6ReadingsAsHwbpRegsPrintsThem() {
        long dr7 = Dr7.RESET | Dr7.GE | Dr7.globalEnable(0) | Dr7.encode(0, 0xC, Dr7.RW_WRITE)
                | Dr7.localEnable(2) | Dr7.globalEnable(2) | Dr7.encode(2, 0x8, Dr7.RW_READ);
        assertThat(Dr7.describeSlot(dr7, 0)).isEqualTo("G w/4");
        assertThat(Dr7.describeSlot(dr7, 1)).isEqualTo("off");
        assertThat(Dr7.describeSlot(dr7, 2)).isEqualTo("GL rw/8");
        assertThat(Dr6.describe(Dr6.RESET)).isEqualTo("none");
        assertThat(Dr6.describe(0xffff0ff1L)).isEqualTo("B0");
        assertThat(Dr6.describe(Dr6.RESET | Dr6.BS | 0x2)).isEqualTo("B1 BS");
        assertThat(Dr6.describe(0xFFFF0FF0L ^ 0x4003L)).isEqualTo("B0 B1 BS");
        assertThat(Dr6.describe(Dr6.FIXED_1)).isEqualTo("BLD RTM");
    }
}
