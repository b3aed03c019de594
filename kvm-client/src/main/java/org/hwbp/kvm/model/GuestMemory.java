package org.hwbp.kvm.model;

import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * A VM's guest-physical memory (the memory slots user space gives KVM): sparse 4 KiB pages, bytes never written
 * read as 0. Guest writes with a value ({@code ADDR:LEN:w=VALUE}) land here, and the VM's gdbstub reads and
 * writes it. Thread-safe (its own monitor, a leaf).
 */
public final class GuestMemory {
    /** The page size: what {@link #pages()} and {@link #GuestMemory(Map)} count in. */
    public static final int PAGE = 4096;
    /** The most bytes one read or write may cover (gdb's packets are far smaller). */
    static final int MAX_LENGTH = 1 << 16;

    private final Map<Long, byte[]> pages = new HashMap<>();

    /** Empty: every byte reads 0. */
    public GuestMemory() {
    }

    /**
     * Memory as it was saved by {@link #pages()}: page number to its {@link #PAGE} bytes.
     *
     * @throws IllegalArgumentException for a page of another size or a negative page number
     */
    public GuestMemory(Map<Long, byte[]> saved) {
        saved.forEach((n, bytes) -> {
            if (n < 0 || bytes.length != PAGE) {
                throw new IllegalArgumentException("bad guest page " + n + " of " + bytes.length + " bytes");
            }
            pages.put(n, bytes.clone());
        });
    }

    /** Every page ever written, by page number (address / {@link #PAGE}), as copies. */
    public synchronized SortedMap<Long, byte[]> pages() {
        SortedMap<Long, byte[]> copy = new TreeMap<>();
        pages.forEach((n, bytes) -> copy.put(n, bytes.clone()));
        return copy;
    }

    /** {@code length} bytes at {@code address}. */
    public synchronized byte[] read(long address, int length) {
        check(address, length);
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            long a = address + i;
            byte[] page = pages.get(a / PAGE);
            out[i] = page == null ? 0 : page[(int) (a % PAGE)];
        }
        return out;
    }

    /** Stores {@code bytes} at {@code address}. */
    public synchronized void write(long address, byte[] bytes) {
        check(address, bytes.length);
        for (int i = 0; i < bytes.length; i++) {
            long a = address + i;
            pages.computeIfAbsent(a / PAGE, p -> new byte[PAGE])[(int) (a % PAGE)] = bytes[i];
        }
    }

    /** Stores {@code value} little-endian in {@code length} bytes. */
    void store(long address, int length, long value) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        write(address, b);
    }

    private static void check(long address, int length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new HwbpException(Errno.EINVAL, "memory length " + length + " (0.." + MAX_LENGTH + ")");
        }
        if (address < 0) {
            // guest-physical addresses above 2^63 are not backed by any memory slot
            throw new HwbpException(Errno.EIO, String.format("no guest memory at 0x%x", address));
        }
        if (length > 0 && address + length - 1 < 0) {
            throw new HwbpException(Errno.EIO, String.format("no guest memory at 0x%x", address + length));
        }
    }
}
