package org.hwbp.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The tasks of one generated file as the generator guesses them: which exist, which are traced and which one each
 * CPU runs; and the steps that change that (task creation, context switch, exit, ptrace attach and detach). The
 * steps name a live task most of the time, and now and then one that has exited, for Linux's ESRCH.
 */
final class TaskGuess {
    /** Tasks alive at once are kept between 1 and 3; ids go on increasing when tasks exit and others start. */
    static final int MAX_TASKS = 64;

    private final SplittableRandom rnd;
    private final int cpus;
    private final List<String> lines;
    /** The highest task id so far (ids from 1). */
    int tasks;
    final boolean[] alive = new boolean[MAX_TASKS + 1];
    final boolean[] traced = new boolean[MAX_TASKS + 1];
    /** The task each CPU runs, 0 for idle. */
    final int[] onCpu;

    TaskGuess(SplittableRandom rnd, int cpus, List<String> lines) {
        this.rnd = rnd;
        this.cpus = cpus;
        this.lines = lines;
        this.onCpu = new int[cpus];
    }

    void create() {
        tasks++;
        alive[tasks] = true;
        lines.add("sim:task t" + tasks);
    }

    int alive() {
        int n = 0;
        for (int t = 1; t <= tasks; t++) {
            n += alive[t] ? 1 : 0;
        }
        return n;
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

    /** A traced task most of the time; else any task (perhaps not traced: ESRCH from ptrace). */
    int tracee() {
        List<Integer> a = new ArrayList<>();
        for (int t = 1; t <= tasks; t++) {
            if (alive[t] && traced[t]) {
                a.add(t);
            }
        }
        return a.isEmpty() || rnd.nextInt(25) == 0 ? anyTask() : a.get(rnd.nextInt(a.size()));
    }

    void attach(int t) {
        lines.add("ptrace:attach " + t);
        traced[t] = alive[t];
    }

    void detach(int t) {
        lines.add("ptrace:detach " + t);
        traced[t] = false;
    }

    void contextSwitch() {
        int cpu = rnd.nextInt(cpus);
        if (rnd.nextInt(5) == 0) {
            lines.add("sim:switch " + cpu + " idle");
            onCpu[cpu] = 0;
            return;
        }
        int t = anyTask();
        lines.add("sim:switch " + cpu + " " + t);
        if (alive[t]) {
            leaveCpus(t);
            onCpu[cpu] = t;
        }
    }

    /** A task exits; returns it. */
    int exit() {
        int t = anyTask();
        lines.add("sim:exit " + t);
        alive[t] = false;
        traced[t] = false;
        leaveCpus(t);
        return t;
    }

    private void leaveCpus(int t) {
        for (int c = 0; c < cpus; c++) {
            if (onCpu[c] == t) {
                onCpu[c] = 0;
            }
        }
    }
}
