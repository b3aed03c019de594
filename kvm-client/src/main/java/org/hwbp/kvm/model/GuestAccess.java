package org.hwbp.kvm.model;

import org.hwbp.api.AccessKind;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.support.Args;

/**
 * One guest instruction of a run: a memory access or, for {@code x}, the fetch of the instruction at
 * {@code address}.
 */
public record GuestAccess(long address, int length, AccessKind kind) {

    public GuestAccess {
        if (length != 1 && length != 2 && length != 4 && length != 8) {
            throw new HwbpException(Errno.EINVAL, "bad ACCESS length " + length + " (1, 2, 4 or 8)");
        }
    }

    /** {@code ADDR:LEN:r|w|x}; ADDR and LEN decimal or 0x hex. */
    public static GuestAccess parse(String s) {
        String[] f = s == null ? new String[0] : s.split(":", -1);
        if (f.length != 3) {
            throw new HwbpException(Errno.EINVAL, "bad ACCESS '" + s + "' (ADDR:LEN:r|w|x)");
        }
        long address = Args.unsigned("ACCESS address", f[0]);
        int len = Args.nonNegative("ACCESS length", f[1]);
        AccessKind kind;
        switch (f[2].trim()) {
            case "r": case "R": kind = AccessKind.R; break;
            case "w": case "W": kind = AccessKind.W; break;
            case "x": case "X": kind = AccessKind.X; break;
            default: throw new HwbpException(Errno.EINVAL, "bad ACCESS kind '" + f[2] + "' (r, w or x)");
        }
        return new GuestAccess(address, len, kind);
    }

    @Override
    public String toString() {
        return Args.hex(address) + ":" + length + ":" + kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
