package org.hwbp.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.LittleEndian;
import org.junit.jupiter.api.Test;

/** The sparse byte-addressed memory: zeros until written, page crossings, the top of the address space. */
class MemoryTest {
    private final Memory mem = new Memory();

    @Test
    void neverWrittenBytesReadZeroAndAllocateNothing() {
        assertThat(mem.read(0x1234, 16)).containsOnly(0);
        assertThat(mem.read(0xffff_ffff_ffff_fff0L, 16)).containsOnly(0);
        mem.write(0x5000, new byte[64]);
        assertThat(mem.pages()).as("zeros into an unwritten page keep the memory sparse").isEmpty();
    }

    @Test
    void aWriteAcrossAPageBoundaryReadsBackWhole() {
        byte[] b = new byte[300];
        new Random(7).nextBytes(b);
        long at = 2 * Memory.PAGE_SIZE - 100;
        mem.write(at, b);
        assertThat(mem.read(at, 300)).isEqualTo(b);
        assertThat(mem.read(at - 1, 1)).containsExactly(0);
        assertThat(mem.read(at + 300, 1)).containsExactly(0);
        assertThat(mem.pages()).containsOnlyKeys((long) Memory.PAGE_SIZE, 2L * Memory.PAGE_SIZE);
    }

    @Test
    void kernelAddressesWithTheTopBitSetAreOrdinaryBytes() {
        long top = 0xffff_ffff_ffff_fffcL;
        mem.write(top, new byte[] {1, 2, 3, 4});
        assertThat(mem.read(top, 4)).containsExactly(1, 2, 3, 4);
        assertThat(mem.pages()).containsOnlyKeys(0xffff_ffff_ffff_f000L);
    }

    @Test
    void rangesPastTheTopAndBadLengthsAreEinval() {
        assertThatThrownBy(() -> mem.read(0xffff_ffff_ffff_ffffL, 2)).isInstanceOf(HwbpException.class)
                .hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> mem.write(-2, new byte[3])).hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> mem.read(0, -1)).hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> mem.read(0, Memory.MAX_TRANSFER + 1)).hasMessageStartingWith("EINVAL");
        assertThat(mem.read(-1, 1)).containsExactly(0);
        assertThat(mem.read(0, 0)).isEmpty();
    }

    @Test
    void pagesRestoreIntoAnotherMemoryAndClearForgetsThem() {
        mem.write(0x10, new byte[] {9});
        mem.write(0xffff_8000_0000_1000L, LittleEndian.bytes(0x1122334455667788L, 8));
        Map<Long, byte[]> saved = mem.pages();
        Memory other = new Memory();
        other.restorePages(saved);
        assertThat(other.read(0x10, 1)).containsExactly(9);
        assertThat(LittleEndian.value(other.read(0xffff_8000_0000_1000L, 8))).isEqualTo(0x1122334455667788L);
        assertThatThrownBy(() -> other.restorePages(Map.of(5L, new byte[Memory.PAGE_SIZE])))
                .hasMessageStartingWith("EINVAL");
        mem.clear();
        assertThat(mem.pages()).isEmpty();
        assertThat(mem.read(0x10, 1)).containsExactly(0);
    }

    @Test
    void littleEndianValuesFitTheirLength() {
        assertThat(LittleEndian.bytes(0x1234, 2)).containsExactly(0x34, 0x12);
        assertThat(LittleEndian.bytes(-1, 1)).containsExactly(0xff);
        assertThat(LittleEndian.bytes(0xff, 1)).containsExactly(0xff);
        assertThat(LittleEndian.value(new byte[] {(byte) 0xff, 0, 0, (byte) 0x80})).isEqualTo(0x8000_00ffL);
        assertThatThrownBy(() -> LittleEndian.bytes(0x100, 1)).hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> LittleEndian.bytes(-129, 1)).hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> LittleEndian.bytes(1, 9)).hasMessageStartingWith("EINVAL");
        assertThat(LittleEndian.mask(8)).isEqualTo(-1L);
        assertThat(LittleEndian.mask(2)).isEqualTo(0xffffL);
    }
}
