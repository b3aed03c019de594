package org.hwbp.ptrace.gdb;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.hwbp.api.Holder;
import org.hwbp.api.machine.Machine;

/** CPU sets as the console lines name them: {@code CPU 2}, {@code CPUs 0-3}, {@code CPUs 0,2}. */
final class Cpus {
    private Cpus() {
    }

    /** The CPUs whose holder matches. */
    static String where(Machine machine, Predicate<Holder> holder) {
        List<Integer> l = new ArrayList<>();
        for (int c = 0; c < machine.cpus(); c++) {
            if (holder.test(machine.holder(c))) {
                l.add(c);
            }
        }
        return name(l);
    }

    /** {@code cpus} (ascending) by name. */
    static String name(List<Integer> cpus) {
        if (cpus.size() == 1) {
            return "CPU " + cpus.get(0);
        }
        boolean range = !cpus.isEmpty();
        for (int i = 1; i < cpus.size(); i++) {
            range &= cpus.get(i) == cpus.get(i - 1) + 1;
        }
        if (range && cpus.size() > 2) {
            return "CPUs " + cpus.get(0) + "-" + cpus.get(cpus.size() - 1);
        }
        List<String> s = new ArrayList<>();
        cpus.forEach(c -> s.add(Integer.toString(c)));
        return cpus.isEmpty() ? "no CPU" : "CPUs " + String.join(",", s);
    }
}
