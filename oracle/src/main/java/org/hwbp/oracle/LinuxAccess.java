package org.hwbp.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Linux reported for an access: the perf breakpoints whose event count rose (with the range each watched),
 * and the tracee's SIGTRAP stop, with the virtual DR6 and the DR7/DR0-DR3 that ptrace showed at that stop (or a
 * task killed by SIGTRAP: a hit of breakpoints left behind by a tracer that detached, with the DR7 and DR0-DR3 the
 * tracer had written).
 */
public record LinuxAccess(List<PerfHit> perf, PtraceTrap ptrace) {

    public record PerfHit(int id, Range range) {
    }

    /** dr6 is the value PEEKUSER(DR6) gave; dr is DR0-DR3; killed when the task died of the SIGTRAP instead. */
    public record PtraceTrap(int task, long dr6, long dr7, long[] dr, boolean killed) {

        /**
         * The virtual debug registers whose trap bit (B0-B3) is set in DR6; for a task that died of the SIGTRAP
         * (its DR6 gone with it), those DR7 enables, any of which may have fired.
         */
        List<Integer> fired() {
            List<Integer> n = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                if (killed ? (dr7 >>> (2 * i) & 3) != 0 : (dr6 & (1L << i)) != 0) {
                    n.add(i);
                }
            }
            return n;
        }
    }

    private static final Pattern PERF = Pattern.compile("perf bp (\\d+) \\+\\d+ (\\S+)");
    private static final Pattern TRAP = Pattern.compile(
            "ptrace task (\\d+) SIGTRAP dr6=(\\S+) dr7=(\\S+) dr0=(\\S+) dr1=(\\S+) dr2=(\\S+) dr3=(\\S+)");
    private static final Pattern KILLED = Pattern.compile(
            "ptrace task (\\d+) killed by SIGTRAP dr7=(\\S+) dr0=(\\S+) dr1=(\\S+) dr2=(\\S+) dr3=(\\S+)");

    public static LinuxAccess parse(String text) {
        List<PerfHit> perf = new ArrayList<>();
        PtraceTrap trap = null;
        for (String part : text.split(" \\| ")) {
            Matcher m = PERF.matcher(part);
            if (m.matches()) {
                perf.add(new PerfHit(Integer.parseInt(m.group(1)), Range.parse(m.group(2))));
                continue;
            }
            m = TRAP.matcher(part.replace(" (repeated)", ""));
            if (m.matches()) {
                long[] dr = new long[4];
                for (int i = 0; i < 4; i++) {
                    dr[i] = Numbers.parse(m.group(4 + i));
                }
                trap = new PtraceTrap(Integer.parseInt(m.group(1)), Numbers.parse(m.group(2)),
                        Numbers.parse(m.group(3)), dr, false);
                continue;
            }
            m = KILLED.matcher(part);
            if (m.matches()) {
                long[] dr = new long[4];
                for (int i = 0; i < 4; i++) {
                    dr[i] = Numbers.parse(m.group(3 + i));
                }
                trap = new PtraceTrap(Integer.parseInt(m.group(1)), 0, Numbers.parse(m.group(2)), dr, true);
            }
        }
        return new LinuxAccess(perf, trap);
    }
}
