package org.hwbp.oracle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The guest program's output parsed: the environment lines ({@code # kernel: ...}, {@code # online cpus: N}), and
 * per file ({@code === BEGIN NAME} ... {@code === END NAME}) its precheck line and one {@link LinuxAnswer} per
 * {@code STEP} line ({@code STEP FILE:LINE <TAB> STATUS <TAB> TEXT <TAB> [NOTE]}).
 */
public final class LinuxOutput {

    public final List<String> environment = new ArrayList<>();
    public final Map<String, List<LinuxAnswer>> files = new LinkedHashMap<>();
    public final Map<String, String> prechecks = new LinkedHashMap<>();
    public boolean done;

    public static LinuxOutput parse(String text) {
        LinuxOutput o = new LinuxOutput();
        List<LinuxAnswer> current = null;
        String name = null;
        for (String raw : text.split("\r?\n")) {
            String l = raw.replace("\r", "");
            if (l.startsWith("=== BEGIN ")) {
                name = l.substring(10).trim();
                current = new ArrayList<>();
                o.files.put(name, current);
            } else if (l.startsWith("=== END ")) {
                current = null;
                name = null;
            } else if (l.startsWith("### hwbp-oracle done")) {
                o.done = true;
            } else if (l.startsWith("# precheck: ") && name != null) {
                o.prechecks.put(name, l.substring(12));
            } else if (l.startsWith("# ") && current == null) {
                o.environment.add(l.substring(2));
            } else if (l.startsWith("STEP ") && current != null) {
                String[] f = l.split("\t", -1);
                if (f.length < 3) {
                    continue;
                }
                int colon = f[0].lastIndexOf(':');
                int line = Integer.parseInt(f[0].substring(colon + 1).trim());
                String note = f.length > 3 ? f[3].replaceAll("^\\[|\\]$", "") : "";
                current.add(new LinuxAnswer(line, LinuxAnswer.Status.valueOf(f[1].trim()), f[2].trim(), note));
            }
        }
        return o;
    }

    /** The number of online CPUs the guest reported, or -1. */
    public int onlineCpus() {
        for (String e : environment) {
            if (e.startsWith("online cpus: ")) {
                return Integer.parseInt(e.substring(13).trim());
            }
        }
        return -1;
    }

    /** The kernel line the guest reported ({@code Linux 6.12.117+deb12-amd64 ...}), or "?". */
    public String kernel() {
        for (String e : environment) {
            if (e.startsWith("kernel: ")) {
                return e.substring(8).trim();
            }
        }
        return "?";
    }
}
