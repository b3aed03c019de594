package org.hwbp.oracle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One file's steps compared: Linux's answers are matched to steps by line number, the sandbox's by order. */
public final class FileComparison {

    private FileComparison() {
    }

    public static List<Outcome> compare(List<Step> steps, List<LinuxAnswer> linux, List<List<String>> sandbox,
            boolean emulated) {
        Map<Integer, LinuxAnswer> byLine = new HashMap<>();
        if (linux != null) {
            linux.forEach(a -> byLine.put(a.line(), a));
        }
        StepComparator c = new StepComparator(emulated);
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            out.add(c.compare(s, byLine.get(s.line()), i < sandbox.size() ? sandbox.get(i) : List.of()));
        }
        return out;
    }
}
