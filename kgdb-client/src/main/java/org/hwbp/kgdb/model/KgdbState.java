package org.hwbp.kgdb.model;

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
 * What kgdb keeps while it or the core is away: the {@code breakinfo} entries gdb set, whether the debugger
 * holds the machine (and on which CPU), and what {@code kgdb:status} prints of the last stop and failure.
 * Plain data, written as a properties file into the bundle's data area.
 *
 * @param entries {@link X86Kgdb#HBP_NUM} entries, null where the entry is free
 * @param stopped whether the debugger held the machine
 * @param masterCpu the CPU in kgdb while stopped
 * @param lastStop the last stop's description
 * @param lastFailure why the last call failed
 */
public record KgdbState(List<BreakEntry> entries, boolean stopped, int masterCpu, String lastStop,
        String lastFailure) {

    /** A fresh kgdb: every entry free, the machine running. */
    public static final KgdbState INITIAL = new KgdbState(Arrays.asList(new BreakEntry[X86Kgdb.HBP_NUM]),
            false, 0, "none", "none");
    private static final int FORMAT = 1;

    /**
     * An enabled breakinfo entry.
     *
     * @param len the arch length (1 for an execute breakpoint)
     * @param type {@code BreakpointSpec.X}, {@code W} or {@code RW}
     */
    public record BreakEntry(long addr, int len, int type) {
    }

    public KgdbState {
        if (entries.size() != X86Kgdb.HBP_NUM) {
            throw new IllegalArgumentException("need " + X86Kgdb.HBP_NUM + " entries: " + entries);
        }
        entries = Collections.unmodifiableList(new ArrayList<>(entries));
    }

    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("format", Integer.toString(FORMAT));
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            BreakEntry e = entries.get(i);
            if (e != null) {
                p.setProperty("breakinfo." + i, String.format("0x%x,%d,%d", e.addr(), e.len(), e.type()));
            }
        }
        p.setProperty("stopped", Boolean.toString(stopped));
        p.setProperty("master_cpu", Integer.toString(masterCpu));
        p.setProperty("last_stop", lastStop);
        p.setProperty("last_failure", lastFailure);
        return p;
    }

    /** Parses {@link #toProperties()}; IllegalArgumentException for anything else. */
    public static KgdbState fromProperties(Properties p) {
        if (!Integer.toString(FORMAT).equals(p.getProperty("format"))) {
            throw new IllegalArgumentException("unknown kgdb state format " + p.getProperty("format"));
        }
        List<BreakEntry> entries = new ArrayList<>();
        for (int i = 0; i < X86Kgdb.HBP_NUM; i++) {
            String v = p.getProperty("breakinfo." + i);
            if (v == null) {
                entries.add(null);
                continue;
            }
            String[] f = v.split(",");
            if (f.length != 3 || !f[0].startsWith("0x")) {
                throw new IllegalArgumentException("bad breakinfo entry '" + v + "'");
            }
            entries.add(new BreakEntry(Long.parseUnsignedLong(f[0].substring(2), 16), Integer.parseInt(f[1]),
                    Integer.parseInt(f[2])));
        }
        return new KgdbState(entries, Boolean.parseBoolean(required(p, "stopped")),
                Integer.parseInt(required(p, "master_cpu")), required(p, "last_stop"), required(p, "last_failure"));
    }

    /** The properties text. */
    public String write() {
        return PropertiesFile.write(toProperties(), "kgdb-client state");
    }

    /** Parses {@link #write()}'s text. */
    public static KgdbState read(String text) {
        return fromProperties(PropertiesFile.read(text));
    }

    /** Writes the state to {@code file}, replacing it. */
    public void save(Path file) throws IOException {
        PropertiesFile.save(file, toProperties(), "kgdb-client state");
    }

    /** The state in {@code file}, or {@link #INITIAL} when there is none. */
    public static KgdbState load(Path file) throws IOException {
        Properties p = PropertiesFile.load(file);
        return p == null ? INITIAL : fromProperties(p);
    }
}
