package org.hwbp.oracle;

/**
 * A {@code sim:access [--kernel] [--value V] CPU ADDR LEN r|w|x} step, and what real x86 hardware matches for it:
 * a data breakpoint fires when the access touches any byte of its range (and its type covers the access's
 * direction), an execute breakpoint when the instruction starts at its address (Intel SDM vol. 3, 17.2.4-17.2.5).
 */
public record Access(int cpu, long addr, long len, char op, boolean kernel) {

    /** The access of a {@code sim:access} step, or null when the step is malformed. */
    public static Access of(Step step) {
        String[] a = step.args();
        boolean kernel = false;
        String[] pos = new String[4];
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals("--kernel")) {
                kernel = true;
            } else if (a[i].equals("--value")) {
                i++;
            } else if (n < 4) {
                pos[n++] = a[i];
            } else {
                return null;
            }
        }
        if (n != 4 || pos[3].length() != 1 || "rwx".indexOf(pos[3].charAt(0)) < 0) {
            return null;
        }
        try {
            return new Access(Integer.parseInt(pos[0]), Numbers.parse(pos[1]), Numbers.parse(pos[2]),
                    pos[3].charAt(0), kernel);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A multi-byte access not aligned to its size: where QEMU's software emulation is known to be wrong. */
    public boolean misaligned() {
        return len > 1 && Long.remainderUnsigned(addr, len) != 0;
    }

    /** Whether real hardware reports a hit of a breakpoint watching {@code r} for this access. */
    public boolean hits(Range r) {
        switch (r.type()) {
            case "x":
                return op == 'x' && addr == r.addr();
            case "w":
                return op == 'w' && overlaps(r);
            case "rw":
                return (op == 'r' || op == 'w') && overlaps(r);
            default:
                return false;
        }
    }

    private boolean overlaps(Range r) {
        return Long.compareUnsigned(addr, r.addr() + r.len()) < 0 && Long.compareUnsigned(r.addr(), addr + len) < 0;
    }
}
