package org.hwbp.api.machine;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * How the simulated x86 machine lays a value out in memory: little-endian, in an access of 1 to 8 bytes.
 *
 * @since 1.1
 */
public final class LittleEndian {
    private LittleEndian() {
    }

    /**
     * {@code value} as {@code length} (1..8) bytes, lowest first. EINVAL if it does not fit: it must be below
     * 2^(8·length), or a negative number that fits as a signed one (-1 in 1 byte is 0xff).
     */
    public static byte[] bytes(long value, int length) {
        if (length < 1 || length > 8) {
            throw new HwbpException(Errno.EINVAL, "a value is 1 to 8 bytes long: " + length);
        }
        if (length < 8) {
            long high = value >> (8 * length - 1);
            if ((value >>> (8 * length)) != 0 && high != -1) {
                throw new HwbpException(Errno.EINVAL, "value 0x" + Long.toHexString(value) + " does not fit in "
                        + length + (length == 1 ? " byte" : " bytes"));
            }
        }
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        return b;
    }

    /** The value of up to 8 bytes, lowest first (unsigned). */
    public static long value(byte[] bytes) {
        if (bytes.length > 8) {
            throw new HwbpException(Errno.EINVAL, "a value is at most 8 bytes long: " + bytes.length);
        }
        long v = 0;
        for (int i = bytes.length - 1; i >= 0; i--) {
            v = (v << 8) | (bytes[i] & 0xff);
        }
        return v;
    }

    /** The bits a value of {@code length} (1..8) bytes occupies. */
    public static long mask(int length) {
        return length >= 8 ? -1L : (1L << (8 * length)) - 1;
    }
}
