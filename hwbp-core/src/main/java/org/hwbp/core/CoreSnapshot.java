package org.hwbp.core;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * The core's state at the moment its bundle began to stop, so that a stop/start or update of hwbp-core is a
 * pause and not a reboot: the machine (tasks, which task runs where, next task id), the configuration, every
 * registered breakpoint by owner (owner-scoped id, wide or not, attributes, registration serial, next id), and
 * per CPU the hardware registers, the shadows cpu_dr7/cpu_debugreg, which (owner, id) occupied each physical
 * slot (bp_per_reg), the register access counters and the holder; and the memory's pages that hold a non-zero
 * byte. {@link HwBreakpointCore#restore} loads it into
 * a fresh core before the service is published; the owners then re-register and get their old ids, serials and
 * slots back (see there).
 *
 * <p>Stored as a properties file in the bundle's data area (it survives update and stop/start, and goes with
 * uninstall).
 */
public final class CoreSnapshot {
    /** A task as the scheduler knew it. */
    public record Task(int id, String name, boolean alive, int cpu) {
    }

    /** One registered breakpoint event (a wide breakpoint has one per CPU, all with the same id). */
    public record Event(String owner, int id, boolean wide, long serial, BreakpointSpec spec) {
    }

    /**
     * One CPU: hardware DR0–DR7 (indices 4/5 unused), the counters of software accesses, the shadows, the
     * (owner, id) of each occupied slot (null owner: free), the holder kind and the running task.
     */
    public record CpuState(long[] hardware, long reads, long writes, long cpuDr7, long[] debugreg,
            String[] slotOwner, int[] slotId, boolean debuggerHolds, int running) {
    }

    private static final String FORMAT = "hwbp-core-snapshot-1";

    final int cpus;
    final String policy;
    final long callbackTimeoutMillis;
    final int nextTask;
    final long nextSerial;
    /** The bundle whose debugger claim held the machine, or null. */
    final String debuggerOwner;
    final Map<String, Integer> nextIds;
    final List<Task> tasks;
    final List<Event> events;
    final List<CpuState> cpuStates;
    /** The memory's pages by address ({@link org.hwbp.core.machine.Memory#pages()}). */
    final Map<Long, byte[]> memory;

    CoreSnapshot(int cpus, String policy, long callbackTimeoutMillis, int nextTask, long nextSerial,
            String debuggerOwner, Map<String, Integer> nextIds, List<Task> tasks, List<Event> events,
            List<CpuState> cpuStates, Map<Long, byte[]> memory) {
        this.cpus = cpus;
        this.policy = policy;
        this.callbackTimeoutMillis = callbackTimeoutMillis;
        this.nextTask = nextTask;
        this.nextSerial = nextSerial;
        this.debuggerOwner = debuggerOwner;
        this.nextIds = Map.copyOf(nextIds);
        this.tasks = List.copyOf(tasks);
        this.events = List.copyOf(events);
        this.cpuStates = List.copyOf(cpuStates);
        this.memory = Collections.unmodifiableMap(new LinkedHashMap<>(memory));
    }

    public int cpus() {
        return cpus;
    }

    public String policy() {
        return policy;
    }

    public long callbackTimeoutMillis() {
        return callbackTimeoutMillis;
    }

    public List<Event> events() {
        return events;
    }

    public List<Task> tasks() {
        return tasks;
    }

    public List<CpuState> cpuStates() {
        return cpuStates;
    }

    /** The memory's pages that hold a non-zero byte, by page address. */
    public Map<Long, byte[]> memory() {
        return memory;
    }

    public void write(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("format", FORMAT);
        p.setProperty("cpus", Integer.toString(cpus));
        p.setProperty("policy", policy);
        p.setProperty("callbackTimeoutMs", Long.toString(callbackTimeoutMillis));
        p.setProperty("nextTask", Integer.toString(nextTask));
        p.setProperty("nextSerial", Long.toString(nextSerial));
        if (debuggerOwner != null) {
            p.setProperty("debuggerOwner", debuggerOwner);
        }
        int i = 0;
        for (Map.Entry<String, Integer> e : nextIds.entrySet()) {
            p.setProperty("owner." + i + ".name", e.getKey());
            p.setProperty("owner." + i + ".nextId", Integer.toString(e.getValue()));
            i++;
        }
        p.setProperty("owners", Integer.toString(i));
        p.setProperty("tasks", Integer.toString(tasks.size()));
        for (i = 0; i < tasks.size(); i++) {
            Task t = tasks.get(i);
            p.setProperty("task." + i, t.id + "," + t.alive + "," + t.cpu + "," + t.name);
        }
        p.setProperty("events", Integer.toString(events.size()));
        for (i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            BreakpointSpec s = e.spec;
            p.setProperty("event." + i + ".owner", e.owner);
            p.setProperty("event." + i, e.id + "," + e.wide + "," + e.serial + "," + s.address() + "," + s.length()
                    + "," + s.type() + "," + s.cpu() + "," + s.task() + "," + s.disabled() + "," + s.excludeKernel());
        }
        for (i = 0; i < cpuStates.size(); i++) {
            CpuState c = cpuStates.get(i);
            String k = "cpu." + i + ".";
            p.setProperty(k + "hardware", join(c.hardware));
            p.setProperty(k + "counters", c.reads + "," + c.writes);
            p.setProperty(k + "cpuDr7", Long.toString(c.cpuDr7));
            p.setProperty(k + "debugreg", join(c.debugreg));
            p.setProperty(k + "holder", c.debuggerHolds ? "DEBUGGER" : "HOST");
            p.setProperty(k + "running", Integer.toString(c.running));
            for (int slot = 0; slot < c.slotOwner.length; slot++) {
                if (c.slotOwner[slot] != null) {
                    p.setProperty(k + "slot." + slot, c.slotId[slot] + "," + c.slotOwner[slot]);
                }
            }
        }
        p.setProperty("memory.pages", Integer.toString(memory.size()));
        i = 0;
        for (Map.Entry<Long, byte[]> page : memory.entrySet()) {
            p.setProperty("memory.page." + i, page.getKey() + "," + HexFormat.of().formatHex(page.getValue()));
            i++;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "hwbp-core state across a stop/start or update of its bundle");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads a snapshot {@link #write} wrote; EIO if the file is not one. */
    public static CoreSnapshot read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new HwbpException(Errno.EIO, "not a core snapshot: " + file);
        }
        try {
            int cpus = Integer.parseInt(p.getProperty("cpus"));
            Map<String, Integer> nextIds = new LinkedHashMap<>();
            for (int i = 0; i < Integer.parseInt(p.getProperty("owners")); i++) {
                nextIds.put(p.getProperty("owner." + i + ".name"), Integer.parseInt(p.getProperty("owner." + i + ".nextId")));
            }
            List<Task> tasks = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(p.getProperty("tasks")); i++) {
                String[] f = p.getProperty("task." + i).split(",", 4);
                tasks.add(new Task(Integer.parseInt(f[0]), f[3], Boolean.parseBoolean(f[1]), Integer.parseInt(f[2])));
            }
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(p.getProperty("events")); i++) {
                String[] f = p.getProperty("event." + i).split(",");
                BreakpointSpec s = new BreakpointSpec(Long.parseLong(f[3]), Integer.parseInt(f[4]), Integer.parseInt(f[5]),
                        Integer.parseInt(f[6]), Integer.parseInt(f[7]), Boolean.parseBoolean(f[8]),
                        Boolean.parseBoolean(f[9]));
                events.add(new Event(p.getProperty("event." + i + ".owner"), Integer.parseInt(f[0]),
                        Boolean.parseBoolean(f[1]), Long.parseLong(f[2]), s));
            }
            List<CpuState> states = new ArrayList<>();
            for (int i = 0; i < cpus; i++) {
                String k = "cpu." + i + ".";
                String[] counters = p.getProperty(k + "counters").split(",");
                String[] owners = new String[4];
                int[] ids = new int[4];
                for (int slot = 0; slot < 4; slot++) {
                    String v = p.getProperty(k + "slot." + slot);
                    if (v != null) {
                        String[] f = v.split(",", 2);
                        ids[slot] = Integer.parseInt(f[0]);
                        owners[slot] = f[1];
                    }
                }
                states.add(new CpuState(split(p.getProperty(k + "hardware")), Long.parseLong(counters[0]),
                        Long.parseLong(counters[1]), Long.parseLong(p.getProperty(k + "cpuDr7")),
                        split(p.getProperty(k + "debugreg")), owners, ids,
                        "DEBUGGER".equals(p.getProperty(k + "holder")), Integer.parseInt(p.getProperty(k + "running"))));
            }
            Map<Long, byte[]> memory = new LinkedHashMap<>();
            for (int i = 0; i < Integer.parseInt(p.getProperty("memory.pages", "0")); i++) {
                String[] f = p.getProperty("memory.page." + i).split(",", 2);
                memory.put(Long.parseLong(f[0]), HexFormat.of().parseHex(f[1]));
            }
            return new CoreSnapshot(cpus, p.getProperty("policy"), Long.parseLong(p.getProperty("callbackTimeoutMs")),
                    Integer.parseInt(p.getProperty("nextTask")), Long.parseLong(p.getProperty("nextSerial")),
                    p.getProperty("debuggerOwner"), nextIds, tasks, events, states, memory);
        } catch (RuntimeException e) {
            throw new HwbpException(Errno.EIO, "corrupt core snapshot " + file + ": " + e);
        }
    }

    private static String join(long[] values) {
        StringBuilder sb = new StringBuilder();
        for (long v : values) {
            sb.append(sb.length() == 0 ? "" : ",").append(v);
        }
        return sb.toString();
    }

    private static long[] split(String s) {
        String[] f = s.split(",");
        long[] v = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = Long.parseLong(f[i]);
        }
        return v;
    }
}
