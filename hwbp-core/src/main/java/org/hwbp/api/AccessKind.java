package org.hwbp.api;

/** What a simulated access does: read, write, or fetch an instruction. */
public enum AccessKind {
    R, W, X;

    /** Parses {@code r}, {@code w} or {@code x}. */
    public static AccessKind parse(String s) {
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "r": return R;
            case "w": return W;
            case "x": return X;
            default: throw new HwbpException(Errno.EINVAL, "access kind must be r, w or x: " + s);
        }
    }
}
