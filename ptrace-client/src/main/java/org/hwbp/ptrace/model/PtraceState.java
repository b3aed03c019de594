package org.hwbp.ptrace.model;

import static org.hwbp.api.support.PropertiesFile.required;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.hwbp.api.support.PropertiesFile;

/**
 * What the ptrace client keeps of its tasks while it or the core is away: per task, whether it is traced, the
 * four virtual debug registers (the attributes of {@code ptrace_bps[n]}), {@code ptrace_dr7},
 * {@code virtual_dr6}, the last stop and the claim log. Plain data, written as a properties file into the
 * bundle's data area (which survives update and stop/start, and goes with uninstall).
 *
 * @param tasks by ascending task id
 */
public record PtraceState(List<TaskState> tasks) {

    public static final PtraceState EMPTY = new PtraceState(List.of());
    private static final int FORMAT = 1;

    public PtraceState {
        tasks = List.copyOf(tasks);
    }

    /**
     * One virtual DRn: the event's generic attributes and the id the core gave it. Ids order the
     * re-registration, so that the events come back in the order they were first registered.
     */
    public record Dr(long address, int length, int type, boolean disabled, int id) {
    }

    /**
     * One task's {@code thread_struct} debug part.
     *
     * @param drs four entries, null where {@code ptrace_bps[n]} is empty
     * @param stop the last stop, or null while the task runs
     */
    public record TaskState(int task, boolean traced, List<Dr> drs, long ptraceDr7, long virtualDr6,
            ThreadDebugState.Stop stop, List<String> log) {

        public TaskState {
            if (drs.size() != X86Debugreg.HBP_NUM) {
                throw new IllegalArgumentException("need " + X86Debugreg.HBP_NUM + " debug registers: " + drs);
            }
            drs = Collections.unmodifiableList(Arrays.asList(drs.toArray(new Dr[0])));
            log = List.copyOf(log);
        }
    }

    // ------------------------------------------------------------------ text form

    /** The properties form: {@code tasks=1,3} then {@code task.N.*} keys. */
    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("format", Integer.toString(FORMAT));
        List<String> ids = new ArrayList<>();
        for (TaskState t : tasks) {
            ids.add(Integer.toString(t.task()));
            String k = "task." + t.task() + ".";
            p.setProperty(k + "traced", Boolean.toString(t.traced()));
            for (int n = 0; n < X86Debugreg.HBP_NUM; n++) {
                Dr d = t.drs().get(n);
                if (d != null) {
                    p.setProperty(k + "dr" + n, String.format("0x%x,%d,%d,%s,%d", d.address(), d.length(),
                            d.type(), d.disabled() ? "disabled" : "enabled", d.id()));
                }
            }
            p.setProperty(k + "ptrace_dr7", hex(t.ptraceDr7()));
            p.setProperty(k + "virtual_dr6", hex(t.virtualDr6()));
            if (t.stop() != null) {
                p.setProperty(k + "stop", t.stop().signal() + "," + hex(t.stop().dr6()));
            }
            p.setProperty(k + "log", Integer.toString(t.log().size()));
            for (int i = 0; i < t.log().size(); i++) {
                p.setProperty(k + "log." + i, t.log().get(i));
            }
        }
        p.setProperty("tasks", String.join(",", ids));
        return p;
    }

    /** Parses {@link #toProperties()}; IllegalArgumentException for anything else. */
    public static PtraceState fromProperties(Properties p) {
        if (!Integer.toString(FORMAT).equals(p.getProperty("format"))) {
            throw new IllegalArgumentException("unknown ptrace state format " + p.getProperty("format"));
        }
        List<TaskState> tasks = new ArrayList<>();
        String ids = required(p, "tasks");
        for (String id : ids.isEmpty() ? new String[0] : ids.split(",")) {
            int task = Integer.parseInt(id);
            String k = "task." + task + ".";
            List<Dr> drs = new ArrayList<>();
            for (int n = 0; n < X86Debugreg.HBP_NUM; n++) {
                String v = p.getProperty(k + "dr" + n);
                drs.add(v == null ? null : parseDr(v));
            }
            ThreadDebugState.Stop stop = null;
            String s = p.getProperty(k + "stop");
            if (s != null) {
                String[] f = s.split(",");
                stop = new ThreadDebugState.Stop(f[0], parseHex(f[1]));
            }
            List<String> log = new ArrayList<>();
            int lines = Integer.parseInt(required(p, k + "log"));
            for (int i = 0; i < lines; i++) {
                log.add(required(p, k + "log." + i));
            }
            tasks.add(new TaskState(task, Boolean.parseBoolean(required(p, k + "traced")), drs,
                    parseHex(required(p, k + "ptrace_dr7")), parseHex(required(p, k + "virtual_dr6")), stop,
                    log));
        }
        return new PtraceState(tasks);
    }

    private static Dr parseDr(String v) {
        String[] f = v.split(",");
        if (f.length != 5) {
            throw new IllegalArgumentException("bad debug register entry '" + v + "'");
        }
        return new Dr(parseHex(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), "disabled".equals(f[3]),
                Integer.parseInt(f[4]));
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static long parseHex(String s) {
        if (!s.startsWith("0x")) {
            throw new IllegalArgumentException("not a hex number: " + s);
        }
        return Long.parseUnsignedLong(s.substring(2), 16);
    }

    /** The properties text. */
    public String write() {
        return PropertiesFile.write(toProperties(), "ptrace-client state");
    }

    /** Parses {@link #write()}'s text. */
    public static PtraceState read(String text) {
        return fromProperties(PropertiesFile.read(text));
    }

    /** Writes the state to {@code file}, replacing it. */
    public void save(Path file) throws IOException {
        PropertiesFile.save(file, toProperties(), "ptrace-client state");
    }

    /** The state in {@code file}, or {@link #EMPTY} when there is none. */
    public static PtraceState load(Path file) throws IOException {
        Properties p = PropertiesFile.load(file);
        return p == null ? EMPTY : fromProperties(p);
    }
}
