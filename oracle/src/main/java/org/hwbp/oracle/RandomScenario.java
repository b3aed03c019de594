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
    private static final int MAX_TASKS = 4;

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
            files.add(new FileGenerator(size).lines);
            left -= size;
        }
        return files;
    }

    private final class FileGenerator {
        final List<String> lines = new ArrayList<>();
        final int size;
        int tasks;
        final boolean[] alive = new boolean[MAX_TASKS + 1];
        final boolean[] traced = new boolean[MAX_TASKS + 1];
        final int[] onCpu = new int[cpus];
        final List<Integer> live = new ArrayList<>();
        int nextId = 1;
        final long[] hot = new long[6];
        final long[] code = new long[3];

        FileGenerator(int size) {
            this.size = size;
            for (int i = 0; i < hot.length; i++) {
                // two of the watched words share a page with another: QEMU's artefacts are per page
                long page = i < 2 ? DATA : DATA + rnd.nextLong(DATA_SIZE / 0x1000) * 0x1000;
                hot[i] = page + rnd.nextLong(0x1000 / 8) * 8;
            }
            for (int i = 0; i < code.length; i++) {
                code[i] = CODE + rnd.nextLong(0x1000 / 8) * 8;
            }
            int first = Math.min(cpus, 2 + rnd.nextInt(2));
            for (int t = 1; t <= first && lines.size() < size; t++) {
                task();
                if (lines.size() < size) {
                    add("sim:switch " + (t - 1) + " " + t);
                    onCpu[t - 1] = t;
                }
                if (lines.size() < size && rnd.nextInt(3) > 0) {
                    add("ptrace:attach " + t);
                    traced[t] = true;
                }
            }
            while (lines.size() < size) {
                step();
            }
        }

        void add(String line) {
            lines.add(line);
        }

        void task() {
            tasks++;
            alive[tasks] = true;
            add("sim:task t" + tasks);
        }

        void step() {
            int w = rnd.nextInt(100);
            if (w < 34) {
                access();
            } else if (w < 48) {
                register();
            } else if (w < 56) {
                unregister();
            } else if (w < 62) {
                modify();
            } else if (w < 65) {
                wide();
            } else if (w < 77) {
                poke();
            } else if (w < 82) {
                peek();
            } else if (w < 87) {
                add("ptrace:wait " + tracee());
            } else if (w < 89) {
                add("ptrace:cont " + tracee());
            } else if (w < 95) {
                contextSwitch();
            } else if (w < 96) {
                add("hwbp:used");
            } else if (w < 97) {
                int t = anyTask();
                add("ptrace:attach " + t);
                traced[t] = alive[t];
            } else if (w < 98) {
                int t = tracee();
                add("ptrace:detach " + t);
                traced[t] = false;
            } else if (w < 99 && tasks < MAX_TASKS) {
                task();
            } else {
                exit();
            }
        }

        /** A live task most of the time; now and then one that has exited (ESRCH). */
        int anyTask() {
            List<Integer> a = new ArrayList<>();
            for (int t = 1; t <= tasks; t++) {
                if (alive[t]) {
                    a.add(t);
                }
            }
            if (a.isEmpty() || rnd.nextInt(20) == 0) {
                return 1 + rnd.nextInt(Math.max(1, tasks + 1));
            }
            return a.get(rnd.nextInt(a.size()));
        }

        int tracee() {
            List<Integer> a = new ArrayList<>();
            for (int t = 1; t <= tasks; t++) {
                if (alive[t] && traced[t]) {
                    a.add(t);
                }
            }
            return a.isEmpty() || rnd.nextInt(25) == 0 ? anyTask() : a.get(rnd.nextInt(a.size()));
        }

        long len() {
            return 1L << rnd.nextInt(4);
        }

        String dataType() {
            return rnd.nextBoolean() ? "w" : "rw";
        }

        long near(long base) {
            return base + (rnd.nextInt(17) - 8);
        }

        void register() {
            StringBuilder b = new StringBuilder("hwbp:register");
            int kind = rnd.nextInt(3);
            boolean valid = true;
            int t = 0;
            if (kind != 0) {
                t = anyTask();
                valid = alive[t];
                b.append(" --task ").append(t);
            }
            if (kind != 1) {
                b.append(" --cpu ").append(rnd.nextInt(cpus));
            }
            if (rnd.nextInt(7) == 0) {
                b.append(" --disabled");
            }
            boolean user = rnd.nextBoolean();
            if (user) {
                b.append(" --user");
            }
            int what = rnd.nextInt(100);
            String target;
            if (what < 72) {
                long len = len();
                target = hex(hot[rnd.nextInt(hot.length)] & -len) + " " + len + " " + dataType();
            } else if (what < 84) {
                target = hex(code[rnd.nextInt(code.length)]) + " 8 x";
            } else if (what < 92) {
                target = hex(KERNEL + 8L * rnd.nextInt(8)) + " " + len() + " " + dataType();
                valid &= !user;
            } else {
                valid = false;
                target = switch (rnd.nextInt(4)) {
                    case 0 -> hex(hot[0] + 1) + " 4 w";
                    case 1 -> hex(hot[1]) + " 3 rw";
                    case 2 -> hex(hot[2]) + " 1 r";
                    default -> hex(code[0]) + " 1 x";
                };
            }
            add(b.append(' ').append(target).toString());
            if (valid) {
                live.add(nextId++);
            }
        }

        void wide() {
            long len = len();
            add("hwbp:wide " + hex(hot[rnd.nextInt(hot.length)] & -len) + " " + len + " " + dataType());
            live.add(nextId++);
        }

        int liveId() {
            if (live.isEmpty() || rnd.nextInt(10) == 0) {
                return 1 + rnd.nextInt(nextId);
            }
            return live.get(rnd.nextInt(live.size()));
        }

        void unregister() {
            int id = liveId();
            add("hwbp:unregister " + id);
            live.remove(Integer.valueOf(id));
        }

        void modify() {
            StringBuilder b = new StringBuilder("hwbp:modify ").append(liveId());
            int opts = 1 + rnd.nextInt(2);
            for (int i = 0; i < opts; i++) {
                switch (rnd.nextInt(5)) {
                    case 0 -> b.append(" --addr ").append(hex(hot[rnd.nextInt(hot.length)]));
                    case 1 -> b.append(" --len ").append(len());
                    case 2 -> b.append(" --type ").append(dataType());
                    case 3 -> b.append(" --enable");
                    default -> b.append(" --disable");
                }
            }
            add(b.toString());
        }

        void access() {
            int cpu = rnd.nextInt(cpus);
            if (onCpu[cpu] == 0 || !alive[onCpu[cpu]]) {
                contextSwitch();
                return;
            }
            if (rnd.nextInt(7) == 0) {
                long at = rnd.nextInt(10) < 7 ? code[rnd.nextInt(code.length)] : CODE + 8L * rnd.nextInt(512);
                add("sim:access " + cpu + " " + hex(at) + " 1 x");
                return;
            }
            long len = len();
            long at = near(hot[rnd.nextInt(hot.length)]) & -len;
            if (len > 1 && rnd.nextInt(8) == 0) {
                at += 1 + rnd.nextInt((int) len - 1);
            }
            add("sim:access " + cpu + " " + hex(at) + " " + len + " " + (rnd.nextBoolean() ? "r" : "w"));
        }

        void contextSwitch() {
            int cpu = rnd.nextInt(cpus);
            if (rnd.nextInt(5) == 0) {
                add("sim:switch " + cpu + " idle");
                onCpu[cpu] = 0;
                return;
            }
            int t = anyTask();
            add("sim:switch " + cpu + " " + t);
            if (alive[t]) {
                for (int c = 0; c < cpus; c++) {
                    if (onCpu[c] == t) {
                        onCpu[c] = 0;
                    }
                }
                onCpu[cpu] = t;
            }
        }

        void exit() {
            int t = anyTask();
            add("sim:exit " + t);
            alive[t] = false;
            traced[t] = false;
            for (int c = 0; c < cpus; c++) {
                if (onCpu[c] == t) {
                    onCpu[c] = 0;
                }
            }
        }

        void poke() {
            int t = tracee();
            int w = rnd.nextInt(12);
            if (w < 6) {
                int n = rnd.nextInt(4);
                int k = rnd.nextInt(20);
                long v = k < 14 ? hot[rnd.nextInt(hot.length)] : k < 17 ? code[rnd.nextInt(code.length)]
                        : k < 18 ? KERNEL : hot[rnd.nextInt(hot.length)] + 1 + rnd.nextInt(7);
                add("ptrace:poke " + t + " dr" + n + " " + hex(v));
            } else if (w < 11) {
                add("ptrace:poke " + t + " dr7 " + hex(dr7()));
            } else {
                long v = switch (rnd.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> 0xffff0ff0L;
                    case 2 -> 0xffff0ff1L;
                    default -> rnd.nextLong(1L << 32);
                };
                add("ptrace:poke " + t + " dr6 " + hex(v));
            }
        }

        /** A DR7 as a debugger might write it: per slot an enable bit, R/W and LEN; now and then an invalid one. */
        long dr7() {
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
            int t = tracee();
            int w = rnd.nextInt(16);
            String off = w < 4 ? "dr" + w : w < 7 ? "dr6" : w < 10 ? "dr7" : w < 11 ? "dr" + (4 + rnd.nextInt(2))
                    : Integer.toString(848 + 8 * rnd.nextInt(8));
            add("ptrace:peek " + t + " " + off);
        }
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
