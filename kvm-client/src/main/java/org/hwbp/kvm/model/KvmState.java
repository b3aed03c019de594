package org.hwbp.kvm.model;

import static org.hwbp.api.support.PropertiesFile.required;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hwbp.api.support.PropertiesFile;

/**
 * What the kvm client keeps across its restart: every VM with every vCPU's debug state (the fields of
 * {@code struct kvm_vcpu_arch} {@link Vcpu} models, the WONT_EXIT window included) and its guest memory (as
 * QEMU keeps a guest's RAM while KVM's state comes and goes), the entry policy, the statistics and the next VM
 * id. Plain data, written as a properties file into the bundle's data area. A file of format 1 (written before
 * guest memory was kept) is read with every VM's memory empty.
 *
 * @param policy the entry policy in force
 * @param configPolicy the configured policy when the state was saved: if the configuration says something else
 *     at the next activation, the configuration wins, else {@code policy} (which {@code kvm:policy} may have
 *     changed) is kept
 * @param nextVm the id the next VM gets
 * @param stats entries and host DR accesses per policy
 * @param vms by ascending id
 */
public record KvmState(EntryPolicy policy, EntryPolicy configPolicy, int nextVm, Map<EntryPolicy, Counts> stats,
        List<VmState> vms) {

    private static final int FORMAT = 2;
    private static final int FORMAT_WITHOUT_MEMORY = 1;
    private static final HexFormat HEX = HexFormat.of();

    public KvmState {
        stats = Map.copyOf(stats);
        vms = List.copyOf(vms);
        if (!stats.keySet().containsAll(List.of(EntryPolicy.values()))) {
            throw new IllegalArgumentException("statistics for every policy needed: " + stats);
        }
    }

    /** {@link EntryStats} of one policy. */
    public record Counts(long entries, long reads, long writes) {
    }

    /**
     * @param memory the guest memory's pages written so far: page number ({@link GuestMemory#PAGE} bytes each)
     *     to the page's bytes in hex
     */
    public record VmState(int id, List<VcpuState> vcpus, SortedMap<Long, String> memory) {
        public VmState {
            vcpus = List.copyOf(vcpus);
            memory = new TreeMap<>(memory);
            for (Map.Entry<Long, String> e : memory.entrySet()) {
                if (e.getKey() < 0 || e.getValue().length() != 2 * GuestMemory.PAGE) {
                    throw new IllegalArgumentException("bad guest page " + e.getKey());
                }
            }
        }

        /** The guest memory's pages as bytes (what {@link GuestMemory#GuestMemory(Map)} takes). */
        public Map<Long, byte[]> memoryPages() {
            Map<Long, byte[]> m = new TreeMap<>();
            memory.forEach((n, hex) -> m.put(n, HEX.parseHex(hex)));
            return m;
        }
    }

    /** {@link GuestMemory#pages()} as {@link VmState#memory()} keeps them. */
    public static SortedMap<Long, String> hexPages(Map<Long, byte[]> pages) {
        SortedMap<Long, String> m = new TreeMap<>();
        pages.forEach((n, bytes) -> m.put(n, HEX.formatHex(bytes)));
        return m;
    }

    /** One vCPU's debug state; {@code db} and {@code effDb} have four entries. */
    public record VcpuState(List<Long> db, List<Long> effDb, long dr6, long dr7, int guestDebug, long guestDebugDr7,
            int switchDbRegs, long vmcsGuestDr7) {
        public VcpuState {
            db = List.copyOf(db);
            effDb = List.copyOf(effDb);
            if (db.size() != 4 || effDb.size() != 4) {
                throw new IllegalArgumentException("DR0-3 need four values");
            }
        }

        /** The fields in the order the text form lists them. */
        private List<Long> fields() {
            List<Long> l = new ArrayList<>(db);
            l.addAll(effDb);
            l.addAll(List.of(dr6, dr7, (long) guestDebug, guestDebugDr7, (long) switchDbRegs, vmcsGuestDr7));
            return l;
        }

        private static VcpuState of(List<Long> f) {
            if (f.size() != 14) {
                throw new IllegalArgumentException("a vCPU has 14 fields, not " + f.size());
            }
            return new VcpuState(f.subList(0, 4), f.subList(4, 8), f.get(8), f.get(9), Math.toIntExact(f.get(10)),
                    f.get(11), Math.toIntExact(f.get(12)), f.get(13));
        }
    }

    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("format", Integer.toString(FORMAT));
        p.setProperty("policy", policy.label());
        p.setProperty("config_policy", configPolicy.label());
        p.setProperty("next_vm", Integer.toString(nextVm));
        for (EntryPolicy e : EntryPolicy.values()) {
            Counts c = stats.get(e);
            p.setProperty("stats." + e.label(), c.entries() + "," + c.reads() + "," + c.writes());
        }
        List<String> ids = new ArrayList<>();
        for (VmState vm : vms) {
            ids.add(Integer.toString(vm.id()));
            p.setProperty("vm." + vm.id() + ".vcpus", Integer.toString(vm.vcpus().size()));
            for (int i = 0; i < vm.vcpus().size(); i++) {
                List<String> hex = new ArrayList<>();
                for (long v : vm.vcpus().get(i).fields()) {
                    hex.add("0x" + Long.toHexString(v));
                }
                p.setProperty("vm." + vm.id() + ".vcpu." + i, String.join(",", hex));
            }
            List<String> pages = new ArrayList<>();
            vm.memory().forEach((n, hex) -> {
                pages.add(Long.toString(n));
                p.setProperty("vm." + vm.id() + ".page." + n, hex);
            });
            p.setProperty("vm." + vm.id() + ".pages", String.join(",", pages));
        }
        p.setProperty("vms", String.join(",", ids));
        return p;
    }

    /** Parses {@link #toProperties()}; IllegalArgumentException for anything else. */
    public static KvmState fromProperties(Properties p) {
        String format = p.getProperty("format");
        boolean withMemory = Integer.toString(FORMAT).equals(format);
        if (!withMemory && !Integer.toString(FORMAT_WITHOUT_MEMORY).equals(format)) {
            throw new IllegalArgumentException("unknown kvm state format " + format);
        }
        Map<EntryPolicy, Counts> stats = new EnumMap<>(EntryPolicy.class);
        for (EntryPolicy e : EntryPolicy.values()) {
            String[] f = required(p, "stats." + e.label()).split(",");
            if (f.length != 3) {
                throw new IllegalArgumentException("bad statistics of " + e.label());
            }
            stats.put(e, new Counts(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])));
        }
        List<VmState> vms = new ArrayList<>();
        String ids = required(p, "vms");
        for (String id : ids.isEmpty() ? new String[0] : ids.split(",")) {
            int vm = Integer.parseInt(id);
            int n = Integer.parseInt(required(p, "vm." + vm + ".vcpus"));
            List<VcpuState> vcpus = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                List<Long> f = new ArrayList<>();
                for (String h : required(p, "vm." + vm + ".vcpu." + i).split(",")) {
                    if (!h.startsWith("0x")) {
                        throw new IllegalArgumentException("not a hex number: " + h);
                    }
                    f.add(Long.parseUnsignedLong(h.substring(2), 16));
                }
                vcpus.add(VcpuState.of(f));
            }
            SortedMap<Long, String> memory = new TreeMap<>();
            String pages = withMemory ? required(p, "vm." + vm + ".pages") : "";
            for (String page : pages.isEmpty() ? new String[0] : pages.split(",")) {
                memory.put(Long.parseLong(page), required(p, "vm." + vm + ".page." + page));
            }
            vms.add(new VmState(vm, vcpus, memory));
        }
        return new KvmState(EntryPolicy.parse("policy", required(p, "policy")),
                EntryPolicy.parse("config_policy", required(p, "config_policy")),
                Integer.parseInt(required(p, "next_vm")), stats, vms);
    }

    /** The properties text. */
    public String write() {
        return PropertiesFile.write(toProperties(), "kvm-client state");
    }

    /** Parses {@link #write()}'s text. */
    public static KvmState read(String text) {
        return fromProperties(PropertiesFile.read(text));
    }

    /** Writes the state to {@code file}, replacing it. */
    public void save(Path file) throws IOException {
        PropertiesFile.save(file, toProperties(), "kvm-client state");
    }

    /** The state in {@code file}, or null when there is none. */
    public static KvmState load(Path file) throws IOException {
        Properties p = PropertiesFile.load(file);
        return p == null ? null : fromProperties(p);
    }
}
