package org.hwbp.oracle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/**
 * A gzip'd cpio archive in the "newc" format the kernel unpacks as its initial root file system
 * ({@code Documentation/driver-api/early-userspace/buffer-format.rst}): the guest program as {@code /init} and the
 * scenario files under {@code /scenarios}. Written here so that booting needs no cpio tool.
 */
public final class Initramfs {

    private final ByteArrayOutputStream cpio = new ByteArrayOutputStream();
    private int ino = 1;

    public Initramfs directory(String name) {
        entry(name, 0040755, new byte[0]);
        return this;
    }

    public Initramfs file(String name, int mode, byte[] data) {
        entry(name, 0100000 | mode, data);
        return this;
    }

    /** The archive, ended by its trailer, gzip'd. */
    public byte[] gzip() throws IOException {
        entry("TRAILER!!!", 0, new byte[0]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            cpio.writeTo(gz);
        }
        return out.toByteArray();
    }

    private void entry(String name, int mode, byte[] data) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int nlink = (mode & 0170000) == 0040000 ? 2 : 1;
        String header = String.format("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
                mode == 0 ? 0 : ino++, mode, 0, 0, mode == 0 ? 1 : nlink, 0, data.length, 0, 0, 0, 0, n.length + 1, 0);
        cpio.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        cpio.writeBytes(n);
        cpio.write(0);
        pad();
        cpio.writeBytes(data);
        pad();
    }

    private void pad() {
        while (cpio.size() % 4 != 0) {
            cpio.write(0);
        }
    }
}
