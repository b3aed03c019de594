package org.hwbp.kvm.model;

import org.hwbp.api.AccessKind;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.support.Args;

/**
 * One guest instruction of a run: a memory access or, for {@code x}, the fetch of the instruction at
 * {@code address}.
 */
public record GuestAccess(long address, int length, AccessKind kind, long value) {

    public GuestAccess {
        if (length != 1 && length != 2 && length != 4 && length != 8) {
            throw new HwbpException(Errno.EINVAL, "bad ACCESS length " + length + " (1, 2, 4 or 8)");
        }
        if (length < 8 && (value >>> (8 * length)) != 0) {
            throw new HwbpException(Errno.EINVAL, "ACCESS value " + Args.hex(value) + " does not fit in " + length
                    + " bytes");
        }
    }

    /** An access without a value (a write stores 0). */
    public GuestAccess(long address, int length, AccessKind kind) {
        this(address, length, kind, 0);
    }

    /** {@code ADDR:LEN:r|w|x} or {@code ADDR:LEN:w=VALUE}; ADDR, LEN and VALUE decimal or 0x hex. */
    public static GuestAccess parse(String s) {
        String[] f = s == null ? new String[0] : s.split(":", -1);
        if (f.length != 3) {
            throw new HwbpException(Errno.EINVAL, "bad ACCESS '" + s + "' (ADDR:LEN:r|w|x)");
        }
        long address = Args.unsigned("ACCESS address", f[0]);
        int len = Args.nonNegative("ACCESS length", f[1]);
        String k = f[2].trim();
        long value = 0;
        int eq = k.indexOf('=');
        if (eq >= 0) {
            if (!k.substring(0, eq).equalsIgnoreCase("w")) {
                throw new HwbpException(Errno.EINVAL, "bad ACCESS '" + s + "' (only a write carries =VALUE)");
            }
            value = Args.unsigned("ACCESS value", k.substring(eq + 1));
            k = "w";
        }
        AccessKind kind;
        switch (k) {
            case "r": case "R": kind = AccessKind.R; break;
            case "w": case "W": kind = AccessKind.W; break;
            case "x": case "X": kind = AccessKind.X; break;
            default: throw new HwbpException(Errno.EINVAL, "bad ACCESS kind '" + f[2] + "' (r, w or x)");
        }
        return new GuestAccess(address, len, kind, value);
    }

    @Override
    public String toString() {
        return Args.hex(address) + ":" + length + ":" + kind.name().toLowerCase(java.util.Locale.ROOT)
                + (value != 0 ? "=" + Args.hex(value) : "");
    }
}
