package org.hwbp.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The seeded step generator of {@code ./sandbox oracle --random N --seed S}: the same seed and CPU count give the
 * same files, step for step. Steps are cut into files of at most {@link #STEPS_PER_FILE} steps (each file starts
 * from nothing: fresh tasks, no breakpoint), and mix registrations of every kind (CPU-bound, task-bound, task on
 * one CPU, disabled, user-only, kernel addresses, wide; some invalid on purpose), modify, unregister, ptrace
 * POKEUSER/PEEKUSER of DR0-DR3, DR6 and DR7 (valid and invalid DR7 values), context switches, accesses near the
 * watched addresses (aligned, and some misaligned) and ptrace waits.
 *
 * <p>Addresses stay inside the guest program's fixed mappings: data at 0x600000-0x603fff, code ({@code ret}
 * instructions) at 0x401000-0x401fff; kernel addresses are registered but never accessed. The generator keeps a
 * guess of the breakpoint ids (the next id if a registration it made valid succeeds) so that most modify and
 * unregister steps name a live breakpoint; a wrong guess only makes the step an {@code ENOENT}, compared too.
 */
public final class RandomScenario {

    public static final int STEPS_PER_FILE = 250;
    static final long DATA = 0x600000L;
    static final long DATA_SIZE = 0x4000L;
    static final long CODE = 0x401000L;
    static final long KERNEL = 0xffffffff82a40000L;

    private final SplittableRandom rnd;
    private final int cpus;

    public RandomScenario(long seed, int cpus) {
        this.rnd = new SplittableRandom(seed);
        this.cpus = cpus;
    }

    /** {@code n} steps, as the command lines of files of at most {@link #STEPS_PER_FILE} steps each. */
    public List<List<String>> generate(int n) {
        List<List<String>> files = new ArrayList<>();
        int left = n;
        while (left > 0) {
            int size = Math.min(left, STEPS_PER_FILE);
            files.add(new FileGenerator(rnd, cpus, size).lines);
            left -= size;
        }
        return files;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
