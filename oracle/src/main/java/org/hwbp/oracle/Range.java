package org.hwbp.oracle;

/** What a breakpoint watched when it fired: address, length in bytes, type {@code x}, {@code w} or {@code rw}. */
public record Range(long addr, long len, String type) {

    /** {@code 0x601000/4/w}, as the guest program prints a perf breakpoint's attributes. */
    public static Range parse(String s) {
        String[] f = s.split("/");
        return new Range(Numbers.parse(f[0]), Numbers.parse(f[1]), f[2]);
    }

    /**
     * Virtual debug register {@code n} as ptrace's DR7 describes it (R/Wn at bit 16 + 4n: 00 execute, 01 write,
     * 11 read/write; LENn at bit 18 + 4n: 00 one byte, 01 two, 11 four, 10 eight); an execute breakpoint is
     * checked at its address alone.
     */
    public static Range ofDr7(long dr7, int n, long addr) {
        int rw = (int) (dr7 >>> (16 + 4 * n)) & 3;
        int lenBits = (int) (dr7 >>> (18 + 4 * n)) & 3;
        long len = switch (lenBits) {
            case 0 -> 1;
            case 1 -> 2;
            case 3 -> 4;
            default -> 8;
        };
        String type = switch (rw) {
            case 0 -> "x";
            case 1 -> "w";
            case 3 -> "rw";
            default -> "io";
        };
        return new Range(addr, type.equals("x") ? 1 : len, type);
    }

    @Override
    public String toString() {
        return String.format("0x%x/%d/%s", addr, len, type);
    }
}
