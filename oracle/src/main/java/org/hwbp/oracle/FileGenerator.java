package org.hwbp.oracle;

import static org.hwbp.oracle.RandomScenario.CODE;
import static org.hwbp.oracle.RandomScenario.DATA;
import static org.hwbp.oracle.RandomScenario.DATA_SIZE;
import static org.hwbp.oracle.RandomScenario.KERNEL;
import static org.hwbp.oracle.RandomScenario.hex;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One file of {@link RandomScenario}'s steps, from nothing (fresh tasks, no breakpoint): the step mix, the
 * registrations, modify and unregister steps with the generator's guess of the live breakpoints, and the accesses,
 * most of them near or inside what is watched. Tasks are {@link TaskGuess}, ptrace's debug registers
 * {@link PtraceSteps}, the slot accounting {@link SlotGuess}.
 */
final class FileGenerator {
    final List<String> lines = new ArrayList<>();
    final TaskGuess tasks;
    final SlotGuess slots;
    private final SplittableRandom rnd;
    private final int cpus;
    private final PtraceSteps ptrace;
    private final List<Integer> live = new ArrayList<>();
    private int nextId = 1;
    /** id -> {addr, len, type (0 x, 1 w, 3 rw), task (0 none), cpu (-1 all), disabled}: the guess of each live bp. */
    private final Map<Integer, long[]> info = new HashMap<>();
    private final long[] hot = new long[5];
    /** Recently watched (address, length) pairs: most accesses touch one of them. */
    private final List<long[]> watched = new ArrayList<>();
    private final long[] code = new long[3];

    /** {@code size} steps drawn from {@code rnd} for a machine of {@code cpus} CPUs. */
    FileGenerator(SplittableRandom rnd, int cpus, int size) {
        this.rnd = rnd;
        this.cpus = cpus;
        this.tasks = new TaskGuess(rnd, cpus, lines);
        this.slots = new SlotGuess(cpus);
        this.ptrace = new PtraceSteps(this, rnd);
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
            tasks.create();
            if (lines.size() < size) {
                add("sim:switch " + (t - 1) + " " + t);
                tasks.onCpu[t - 1] = t;
            }
            if (lines.size() < size && rnd.nextInt(3) > 0) {
                tasks.attach(t);
            }
        }
        while (lines.size() < size) {
            step();
        }
    }

    void add(String line) {
        lines.add(line);
    }

    /** One of the file's watched words. */
    long hot() {
        return hot[rnd.nextInt(hot.length)];
    }

    /** One of the file's code addresses. */
    long code() {
        return code[rnd.nextInt(code.length)];
    }

    void watch(long addr, long len) {
        watched.add(new long[] {addr, len});
        if (watched.size() > 6) {
            watched.remove(0);
        }
    }

    private void step() {
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
            ptrace.poke();
        } else if (w < 82) {
            ptrace.peek();
        } else if (w < 87) {
            add("ptrace:wait " + tasks.tracee());
        } else if (w < 89) {
            add("ptrace:cont " + tasks.tracee());
        } else if (w < 95) {
            tasks.contextSwitch();
        } else if (w < 96) {
            add("hwbp:used");
        } else if (w < 97 || w < 98 && tasks.noTracee()) {
            tasks.attach(tasks.anyTask());
        } else if (w < 98) {
            tasks.detach(tasks.tracee());
        } else if (tasks.alive() < 3 && tasks.tasks < TaskGuess.MAX_TASKS) {
            tasks.create();
        } else if (tasks.alive() > 1) {
            int t = tasks.exit();
            slots.exit(t);
            ptrace.exited(t);
        } else {
            add("hwbp:used");
        }
    }

    private long len() {
        return 1L << rnd.nextInt(4);
    }

    private String dataType() {
        return rnd.nextBoolean() ? "w" : "rw";
    }

    private long near(long base) {
        return base + (rnd.nextInt(17) - 8);
    }

    private void register() {
        StringBuilder b = new StringBuilder("hwbp:register");
        int kind = rnd.nextInt(3);
        boolean valid = true;
        int t = 0;
        int cpu = -1;
        if (kind != 0) {
            t = tasks.anyTask();
            valid = tasks.alive[t];
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
            long at = hot() & -len;
            String type = dataType();
            target = hex(at) + " " + len + " " + type;
            watch(at, len);
            bp = new long[] {at, len, type.equals("w") ? 1 : 3, t, cpu, disabled ? 1 : 0};
        } else if (what < 84) {
            long at = code();
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

    private void wide() {
        long len = len();
        long at = hot() & -len;
        String type = dataType();
        add("hwbp:wide " + hex(at) + " " + len + " " + type);
        watch(at, len);
        if (slots.take(nextId, 0, -1)) {
            info.put(nextId, new long[] {at, len, type.equals("w") ? 1 : 3, 0, -1, 0});
            live.add(nextId++);
        }
    }

    private int liveId() {
        if (live.isEmpty() || rnd.nextInt(10) == 0) {
            return 1 + rnd.nextInt(nextId);
        }
        return live.get(rnd.nextInt(live.size()));
    }

    private void unregister() {
        int id = liveId();
        add("hwbp:unregister " + id);
        live.remove(Integer.valueOf(id));
        slots.release(id);
        info.remove(id);
    }

    private void modify() {
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
                    long at = hot();
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
    private boolean targetedAccess() {
        List<long[]> c = new ArrayList<>();
        for (long[] bp : info.values()) {
            for (int cpu = 0; cpu < cpus; cpu++) {
                int t = tasks.onCpu[cpu];
                if (bp[5] == 0 && t != 0 && tasks.alive[t] && (bp[4] == -1 || bp[4] == cpu)
                        && (bp[3] == 0 || bp[3] == t)) {
                    c.add(new long[] {bp[0], bp[1], bp[2], cpu});
                }
            }
        }
        ptrace.targets(c);
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

    private void access() {
        if (rnd.nextInt(10) < 6 && targetedAccess()) {
            return;
        }
        int cpu = rnd.nextInt(cpus);
        if (tasks.onCpu[cpu] == 0 || !tasks.alive[tasks.onCpu[cpu]]) {
            tasks.contextSwitch();
            return;
        }
        if (rnd.nextInt(7) == 0) {
            long at = rnd.nextInt(10) < 7 ? code() : CODE + 8L * rnd.nextInt(512);
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
            at = near(hot()) & -len;
        }
        if (len > 1 && rnd.nextInt(8) == 0) {
            at += 1 + rnd.nextInt((int) len - 1);
        }
        add("sim:access " + cpu + " " + hex(at) + " " + len + " " + (rnd.nextInt(5) < 3 ? "w" : "r"));
    }
}
