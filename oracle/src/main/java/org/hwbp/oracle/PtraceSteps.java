package org.hwbp.oracle;

import static org.hwbp.oracle.RandomScenario.CODE;
import static org.hwbp.oracle.RandomScenario.DATA;
import static org.hwbp.oracle.RandomScenario.DATA_SIZE;
import static org.hwbp.oracle.RandomScenario.KERNEL;
import static org.hwbp.oracle.RandomScenario.hex;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The ptrace steps of one generated file: POKEUSER and PEEKUSER of a tracee's DR0-DR3, DR6 and DR7 (valid and
 * invalid values, as a debugger might write them), and the debug registers each tracer last wrote, so that some
 * accesses can aim at what they watch.
 */
final class PtraceSteps {
    private final FileGenerator file;
    private final SplittableRandom rnd;
    /** task -> {DR0, DR1, DR2, DR3, DR7} as its tracer last wrote them. */
    private final Map<Integer, long[]> drs = new HashMap<>();

    PtraceSteps(FileGenerator file, SplittableRandom rnd) {
        this.file = file;
        this.rnd = rnd;
    }

    void poke() {
        TaskGuess tasks = file.tasks;
        int t = tasks.tracee();
        int w = rnd.nextInt(12);
        if (w < 6) {
            // mostly the first debug registers: each one a tracer writes holds a slot until the task exits
            int r = rnd.nextInt(20);
            int n = r < 10 ? 0 : r < 16 ? 1 : r < 19 ? 2 : 3;
            int k = rnd.nextInt(20);
            long v = k < 14 ? file.hot() : k < 17 ? file.code()
                    : k < 18 ? KERNEL : file.hot() + 1 + rnd.nextInt(7);
            file.add("ptrace:poke " + t + " dr" + n + " " + hex(v));
            file.watch(v, k < 14 ? 8 : 0);
            if (tasks.traced[t] && k != 17) {
                file.slots.ptrace(t, n);
                drs.computeIfAbsent(t, x -> new long[5])[n] = v;
            }
        } else if (w < 11) {
            long v = dr7();
            file.add("ptrace:poke " + t + " dr7 " + hex(v));
            if (tasks.traced[t]) {
                drs.computeIfAbsent(t, x -> new long[5])[4] = v;
            }
            for (int n = 0; n < 4 && tasks.traced[t]; n++) {
                if ((v >>> (2 * n) & 3) != 0) {
                    file.slots.ptrace(t, n);
                }
            }
        } else {
            long v = switch (rnd.nextInt(4)) {
                case 0 -> 0;
                case 1 -> 0xffff0ff0L;
                case 2 -> 0xffff0ff1L;
                default -> rnd.nextLong(1L << 32);
            };
            file.add("ptrace:poke " + t + " dr6 " + hex(v));
        }
    }

    /** A DR7 as a debugger might write it: per slot an enable bit, R/W and LEN; now and then an invalid one. */
    private long dr7() {
        if (rnd.nextInt(10) == 0) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < 4; i++) {
            if (rnd.nextInt(10) < 6) {
                v |= 1L << (2 * i + (rnd.nextBoolean() ? 1 : 0));
            }
            int r = rnd.nextInt(20);
            int rw = r < 3 ? 0 : r < 11 ? 1 : r < 19 ? 3 : 2;
            int len = rw == 0 && rnd.nextInt(10) > 0 ? 0 : rnd.nextInt(4);
            v |= (long) rw << (16 + 4 * i) | (long) len << (18 + 4 * i);
        }
        if (rnd.nextInt(4) == 0) {
            v |= 0x300;
        }
        return v;
    }

    void peek() {
        int t = file.tasks.tracee();
        int w = rnd.nextInt(16);
        String off = w < 4 ? "dr" + w : w < 7 ? "dr6" : w < 10 ? "dr7" : w < 11 ? "dr" + (4 + rnd.nextInt(2))
                : Integer.toString(848 + 8 * rnd.nextInt(8));
        file.add("ptrace:peek " + t + " " + off);
    }

    /** The task exited: its debug registers are gone. */
    void exited(int task) {
        drs.remove(task);
    }

    /**
     * Adds to {@code targets} each mapped range that a traced task running on a CPU watches through the debug
     * registers its tracer enabled in DR7: {addr, len, type (0 x, 1 w, 3 rw), cpu}.
     */
    void targets(List<long[]> targets) {
        TaskGuess tasks = file.tasks;
        for (int cpu = 0; cpu < tasks.onCpu.length; cpu++) {
            int t = tasks.onCpu[cpu];
            long[] d = drs.get(t);
            for (int n = 0; d != null && tasks.traced[t] && n < 4; n++) {
                Range r = Range.ofDr7(d[4], n, d[n]);
                boolean mapped = r.type().equals("x")
                        ? r.addr() >= CODE && r.addr() < CODE + 0x1000
                        : r.addr() >= DATA
                                && r.addr() + r.len() <= DATA + DATA_SIZE;
                if ((d[4] >>> (2 * n) & 3) != 0 && mapped) {
                    targets.add(new long[] {r.addr(), r.len(),
                            r.type().equals("x") ? 0 : r.type().equals("w") ? 1 : 3, cpu});
                }
            }
        }
    }
}
