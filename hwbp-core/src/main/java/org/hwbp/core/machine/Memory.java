package org.hwbp.core.machine;

import java.util.Map;
import java.util.TreeMap;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * The machine's memory: one flat, byte-addressed 64-bit space shared by every CPU (the sandbox has no page
 * tables: user and kernel addresses are the same bytes). Sparse, in pages of {@value #PAGE_SIZE} bytes
 * allocated on the first write; bytes never written read as 0, as a freshly zeroed page does. What gdb's
 * {@code m}/{@code M}/{@code X} and the shell's {@code sim:} commands read and write; accesses through here are
 * not debug-register accesses and raise no #DB (the #DB path is in the core's DebugException).
 *
 * <p>Its monitor is a leaf lock: nothing else is taken under it, so a multi-byte access is atomic against
 * every other access.
 */
public final class Memory {
    public static final int PAGE_SIZE = 4096;
    /** The longest single read or write (a gdb packet of 64 KiB of hex holds half of it). */
    public static final int MAX_TRANSFER = 1 << 16;

    private final TreeMap<Long, byte[]> pages = new TreeMap<>(Long::compareUnsigned);

    /**
     * The {@code length} bytes at {@code address}. EINVAL when {@code length} is negative or above
     * {@link #MAX_TRANSFER}, or the range runs past the top of the 64-bit address space.
     */
    public synchronized byte[] read(long address, int length) {
        check(address, length);
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long at = address + done;
            int offset = (int) (at & (PAGE_SIZE - 1));
            int n = Math.min(length - done, PAGE_SIZE - offset);
            byte[] page = pages.get(at - offset);
            if (page != null) {
                System.arraycopy(page, offset, out, done, n);
            }
            done += n;
        }
        return out;
    }

    /** Stores {@code bytes} at {@code address}; the same EINVAL checks as {@link #read}. */
    public synchronized void write(long address, byte[] bytes) {
        check(address, bytes.length);
        int done = 0;
        while (done < bytes.length) {
            long at = address + done;
            int offset = (int) (at & (PAGE_SIZE - 1));
            int n = Math.min(bytes.length - done, PAGE_SIZE - offset);
            byte[] page = pages.get(at - offset);
            if (page == null) {
                if (allZero(bytes, done, n)) {
                    // Zeros into a page never written: it already reads so; keep the memory sparse.
                    done += n;
                    continue;
                }
                page = new byte[PAGE_SIZE];
                pages.put(at - offset, page);
            }
            System.arraycopy(bytes, done, page, offset, n);
            done += n;
        }
    }

    /** The pages holding a non-zero byte, by address (a copy): what a snapshot of the machine keeps. */
    public synchronized Map<Long, byte[]> pages() {
        TreeMap<Long, byte[]> copy = new TreeMap<>(Long::compareUnsigned);
        for (Map.Entry<Long, byte[]> e : pages.entrySet()) {
            if (!allZero(e.getValue(), 0, PAGE_SIZE)) {
                copy.put(e.getKey(), e.getValue().clone());
            }
        }
        return copy;
    }

    /** Loads pages {@link #pages()} returned (page-aligned addresses, {@link #PAGE_SIZE} bytes each). */
    public synchronized void restorePages(Map<Long, byte[]> saved) {
        for (Map.Entry<Long, byte[]> e : saved.entrySet()) {
            if ((e.getKey() & (PAGE_SIZE - 1)) != 0 || e.getValue().length != PAGE_SIZE) {
                throw new HwbpException(Errno.EINVAL, "not a page: 0x" + Long.toHexString(e.getKey()));
            }
            pages.put(e.getKey(), e.getValue().clone());
        }
    }

    /** Every byte back to 0. */
    public synchronized void clear() {
        pages.clear();
    }

    private static void check(long address, int length) {
        if (length < 0 || length > MAX_TRANSFER) {
            throw new HwbpException(Errno.EINVAL, "memory transfer length must be 0.." + MAX_TRANSFER + ": " + length);
        }
        if (length > 0 && Long.compareUnsigned(address + length - 1, address) < 0) {
            throw new HwbpException(Errno.EINVAL, "memory range 0x" + Long.toHexString(address) + "+" + length
                    + " runs past the top of the address space");
        }
    }

    private static boolean allZero(byte[] b, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
