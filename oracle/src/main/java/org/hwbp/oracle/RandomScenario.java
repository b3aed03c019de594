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
    /** Tasks alive at once are kept between 1 and 3; ids go on increasing when tasks exit and others start. */
    private static final int MAX_TASKS = 64;

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
        final SlotGuess slots = new SlotGuess(cpus);
        /** id -> {addr, len, type (0 x, 1 w, 3 rw), task (0 none), cpu (-1 all), disabled}: the guess of each live bp. */
        final java.util.Map<Integer, long[]> info = new java.util.HashMap<>();
        /** task -> {DR0, DR1, DR2, DR3, DR7} as its tracer last wrote them. */
        final java.util.Map<Integer, long[]> drs = new java.util.HashMap<>();
        final long[] hot = new long[5];
        /** Recently watched (address, length) pairs: most accesses touch one of them. */
        final List<long[]> watched = new ArrayList<>();
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

        int alive() {
            int n = 0;
            for (int t = 1; t <= tasks; t++) {
                n += alive[t] ? 1 : 0;
            }
            return n;
        }

        void watch(long addr, long len) {
            watched.add(new long[] {addr, len});
            if (watched.size() > 6) {
                watched.remove(0);
            }
        }

        void step() {
            int w = rnd.nextInt(100);
            if (live.size() > 2 && rnd.nextInt(3) == 0) {
                unregister();
            } else if (w < 36) {
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
            } else if (w < 97 || w < 98 && noTracee()) {
                int t = anyTask();
                add("ptrace:attach " + t);
                traced[t] = alive[t];
            } else if (w < 98) {
                int t = tracee();
                add("ptrace:detach " + t);
                traced[t] = false;
            } else if (alive() < 3 && tasks < MAX_TASKS) {
                task();
            } else if (alive() > 1) {
                exit();
            } else {
                add("hwbp:used");
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

        boolean noTracee() {
            for (int t = 1; t <= tasks; t++) {
                if (alive[t] && traced[t]) {
                    return false;
                }
            }
            return true;
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
            int cpu = -1;
            if (kind != 0) {
                t = anyTask();
                valid = alive[t];
                b.append(" --task ").append(t);
            }
            if (kind != 1) {
                cpu = rnd.nextInt(cpus);
                b.append(" --cpu ").append(cpu);
            }
            boolean disabled = false;
            if (rnd.nextInt(7) == 0) {
                b.append(" --disabled");
                disabled = true;
            }
            boolean user = rnd.nextBoolean();
            if (user) {
                b.append(" --user");
            }
            int what = rnd.nextInt(100);
            String target;
            long[] bp = null;
            if (what < 72) {
                long len = len();
                long at = hot[rnd.nextInt(hot.length)] & -len;
                String type = dataType();
                target = hex(at) + " " + len + " " + type;
                watch(at, len);
                bp = new long[] {at, len, type.equals("w") ? 1 : 3, t, cpu, disabled ? 1 : 0};
            } else if (what < 84) {
                long at = code[rnd.nextInt(code.length)];
                target = hex(at) + " 8 x";
                watch(at, 0);
                bp = new long[] {at, 1, 0, t, cpu, disabled ? 1 : 0};
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
            if (valid && slots.take(nextId, t, cpu)) {
                if (bp != null) {
                    info.put(nextId, bp);
                }
                live.add(nextId++);
            }
        }

        void wide() {
            long len = len();
            long at = hot[rnd.nextInt(hot.length)] & -len;
            String type = dataType();
            add("hwbp:wide " + hex(at) + " " + len + " " + type);
            watch(at, len);
            if (slots.take(nextId, 0, -1)) {
                info.put(nextId, new long[] {at, len, type.equals("w") ? 1 : 3, 0, -1, 0});
                live.add(nextId++);
            }
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
            slots.release(id);
            info.remove(id);
        }

        void modify() {
            int id = liveId();
            StringBuilder b = new StringBuilder("hwbp:modify ").append(id);
            long[] bp = info.get(id);
            long[] now = bp == null ? null : bp.clone();
            // one or two different options; --enable and --disable never together
            int first = rnd.nextInt(4);
            int second = rnd.nextBoolean() ? -1 : (first + 1 + rnd.nextInt(3)) % 4;
            for (int o : new int[] {first, second}) {
                switch (o) {
                    case 0 -> {
                        long at = hot[rnd.nextInt(hot.length)];
                        b.append(" --addr ").append(hex(at));
                        watch(at, 8);
                        if (now != null) {
                            now[0] = at;
                        }
                    }
                    case 1 -> {
                        long len = len();
                        b.append(" --len ").append(len);
                        if (now != null) {
                            now[1] = len;
                        }
                    }
                    case 2 -> {
                        String type = dataType();
                        b.append(" --type ").append(type);
                        if (now != null) {
                            now[2] = type.equals("w") ? 1 : 3;
                        }
                    }
                    case 3 -> {
                        boolean enable = rnd.nextBoolean();
                        b.append(enable ? " --enable" : " --disable");
                        if (now != null) {
                            now[5] = enable ? 0 : 1;
                        }
                    }
                    default -> {
                    }
                }
            }
            add(b.toString());
            // an execute breakpoint needs length 8 and an address aligned to its length: else EINVAL, no change
            if (now != null && now[2] != 0 && now[0] % now[1] == 0) {
                info.put(id, now);
            }
        }

        /** An access that a live breakpoint (as the generator guesses them) should catch, or false if none. */
        boolean targetedAccess() {
            List<long[]> c = new ArrayList<>();
            for (long[] bp : info.values()) {
                for (int cpu = 0; cpu < cpus; cpu++) {
                    int t = onCpu[cpu];
                    if (bp[5] == 0 && t != 0 && alive[t] && (bp[4] == -1 || bp[4] == cpu)
                            && (bp[3] == 0 || bp[3] == t)) {
                        c.add(new long[] {bp[0], bp[1], bp[2], cpu});
                    }
                }
            }
            for (int cpu = 0; cpu < cpus; cpu++) {
                int t = onCpu[cpu];
                long[] d = drs.get(t);
                for (int n = 0; d != null && traced[t] && n < 4; n++) {
                    Range r = Range.ofDr7(d[4], n, d[n]);
                    boolean mapped = r.type().equals("x") ? r.addr() >= CODE && r.addr() < CODE + 0x1000
                            : r.addr() >= DATA && r.addr() + r.len() <= DATA + DATA_SIZE;
                    if ((d[4] >>> (2 * n) & 3) != 0 && mapped) {
                        c.add(new long[] {r.addr(), r.len(), r.type().equals("x") ? 0 : r.type().equals("w") ? 1 : 3,
                                cpu});
                    }
                }
            }
            if (c.isEmpty()) {
                return false;
            }
            long[] pick = c.get(rnd.nextInt(c.size()));
            if (pick[2] == 0) {
                add("sim:access " + pick[3] + " " + hex(pick[0]) + " 1 x");
                return true;
            }
            long len = len();
            long at = (pick[0] + rnd.nextLong(pick[1])) & -len;
            if (len > 1 && rnd.nextInt(8) == 0) {
                at += 1 + rnd.nextInt((int) len - 1);
            }
            boolean write = pick[2] == 1 ? rnd.nextInt(10) > 0 : rnd.nextBoolean();
            add("sim:access " + pick[3] + " " + hex(at) + " " + len + " " + (write ? "w" : "r"));
            return true;
        }

        void access() {
            if (rnd.nextInt(10) < 6 && targetedAccess()) {
                return;
            }
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
            long at;
            long[] target = watched.isEmpty() ? null : watched.get(rnd.nextInt(watched.size()));
            if (target != null && target[1] > 0 && rnd.nextInt(10) < 7) {
                // a byte the breakpoint watches, inside an access of this length
                at = (target[0] + rnd.nextLong(target[1])) & -len;
            } else {
                at = near(hot[rnd.nextInt(hot.length)]) & -len;
            }
            if (len > 1 && rnd.nextInt(8) == 0) {
                at += 1 + rnd.nextInt((int) len - 1);
            }
            add("sim:access " + cpu + " " + hex(at) + " " + len + " " + (rnd.nextInt(5) < 3 ? "w" : "r"));
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
            slots.exit(t);
            drs.remove(t);
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
                // mostly the first debug registers: each one a tracer writes holds a slot until the task exits
                int r = rnd.nextInt(20);
                int n = r < 10 ? 0 : r < 16 ? 1 : r < 19 ? 2 : 3;
                int k = rnd.nextInt(20);
                long v = k < 14 ? hot[rnd.nextInt(hot.length)] : k < 17 ? code[rnd.nextInt(code.length)]
                        : k < 18 ? KERNEL : hot[rnd.nextInt(hot.length)] + 1 + rnd.nextInt(7);
                add("ptrace:poke " + t + " dr" + n + " " + hex(v));
                watch(v, k < 14 ? 8 : 0);
                if (traced[t] && k != 17) {
                    slots.ptrace(t, n);
                    drs.computeIfAbsent(t, x -> new long[5])[n] = v;
                }
            } else if (w < 11) {
                long v = dr7();
                add("ptrace:poke " + t + " dr7 " + hex(v));
                if (traced[t]) {
                    drs.computeIfAbsent(t, x -> new long[5])[4] = v;
                }
                for (int n = 0; n < 4 && traced[t]; n++) {
                    if ((v >>> (2 * n) & 3) != 0) {
                        slots.ptrace(t, n);
                    }
                }
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

    /**
     * The generator's rough guess of Linux's slot accounting, only to guess which registrations succeed and so which
     * ids exist (a wrong guess costs nothing but an ENOENT step): on each CPU, CPU-bound breakpoints plus the largest
     * number any one task has there must stay within 4; a tracer's DR write holds a slot of its task until it exits.
     */
    static final class SlotGuess {
        private final int cpus;
        private final java.util.Map<Integer, int[]> bps = new java.util.HashMap<>();
        private final java.util.Map<Integer, boolean[]> ptraceDrs = new java.util.HashMap<>();

        SlotGuess(int cpus) {
            this.cpus = cpus;
        }

        /** Breakpoint {@code id} of task {@code task} (0: none) on {@code cpu} (-1: all); false if it would not fit. */
        boolean take(int id, int task, int cpu) {
            int[] bp = {task, cpu};
            bps.put(id, bp);
            if (!fits()) {
                bps.remove(id);
                return false;
            }
            return true;
        }

        void release(int id) {
            bps.remove(id);
        }

        void ptrace(int task, int n) {
            boolean[] drs = ptraceDrs.computeIfAbsent(task, t -> new boolean[4]);
            if (!drs[n]) {
                drs[n] = true;
                if (!fits()) {
                    drs[n] = false;
                }
            }
        }

        void exit(int task) {
            ptraceDrs.remove(task);
        }

        private boolean fits() {
            for (int c = 0; c < cpus; c++) {
                int pinned = 0;
                java.util.Map<Integer, Integer> perTask = new java.util.HashMap<>();
                for (int[] bp : bps.values()) {
                    if (bp[1] == -1 || bp[1] == c) {
                        if (bp[0] == 0) {
                            pinned++;
                        } else {
                            perTask.merge(bp[0], 1, Integer::sum);
                        }
                    }
                }
                ptraceDrs.forEach((t, drs) -> {
                    for (boolean d : drs) {
                        if (d) {
                            perTask.merge(t, 1, Integer::sum);
                        }
                    }
                });
                int most = perTask.values().stream().mapToInt(Integer::intValue).max().orElse(0);
                if (pinned + most > 4) {
                    return false;
                }
            }
            return true;
        }
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
