package org.hwbp.oracle;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs scenario files on Linux with the guest program {@code oracle/guest/hwbp-oracle.c}, either booted as the
 * {@code /init} of Debian's Linux 6.12 under QEMU's software emulation ({@code qemu-system-x86_64 -accel tcg},
 * every file in one boot, {@code -smp CPUS}), or natively on the host's own kernel and CPU.
 *
 * <p>Everything it needs is fetched on first use and cached in {@code $HWBP_ORACLE_CACHE} (default
 * {@code ~/.cache/hwbp-oracle}): Debian's {@code qemu-system-x86} (apt-get install) and the kernel image package
 * that {@code linux-image-6.12-amd64} depends on (apt-get download; only its vmlinuz is kept). The guest program is
 * compiled with the machine's gcc, static, its text moved to 0x10000000 to leave the fixed test mappings free.
 */
public final class LinuxRunner {

    /** The meta-package whose kernel is booted: Debian's current Linux 6.12. */
    static final String KERNEL_META = "linux-image-6.12-amd64";

    private final Path root;
    private final Path cache;
    private final PrintStream log;

    public LinuxRunner(Path root, PrintStream log) {
        this(root, defaultCache(), log);
    }

    LinuxRunner(Path root, Path cache, PrintStream log) {
        this.root = root;
        this.cache = cache;
        this.log = log;
    }

    private static Path defaultCache() {
        String c = System.getenv("HWBP_ORACLE_CACHE");
        return c != null && !c.isEmpty() ? Path.of(c)
                : Path.of(System.getProperty("user.home"), ".cache", "hwbp-oracle");
    }

    /** The guest program's output for {@code files}, in that order, run natively on the host. */
    public String runNative(List<Path> files) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(guest().toString());
        files.forEach(f -> cmd.add(f.toString()));
        return Processes.run(cmd, null, Map.of(), 3600);
    }

    /** The guest program's output for {@code files}, in that order, booted under QEMU with {@code cpus} CPUs. */
    public String runQemu(List<Path> files, int cpus) throws IOException {
        Path vmlinuz = kernel();
        ensureQemu();
        Path work = Files.createTempDirectory("hwbp-oracle");
        try {
            Initramfs fs = new Initramfs().file("init", 0755, Files.readAllBytes(guest())).directory("scenarios");
            StringBuilder order = new StringBuilder();
            for (Path f : files) {
                String name = f.getFileName().toString();
                fs.file("scenarios/" + name, 0644, Files.readAllBytes(f));
                order.append(name).append('\n');
            }
            fs.file("scenarios/ORDER", 0644, order.toString().getBytes(StandardCharsets.UTF_8));
            Files.write(work.resolve("initrd.gz"), fs.gzip());
            Path results = work.resolve("results.txt");
            long steps = 0;
            for (Path f : files) {
                steps += ScenarioFile.read(f).size();
            }
            // about 10 ms a step under TCG, plus the boot; generous, since the machine is shared
            long timeout = 300 + steps / 5;
            for (int attempt = 1;; attempt++) {
                // no_timer_check: on a busy host the emulated timer can miss the kernel's IO-APIC timer check,
                // which then panics ("IO-APIC + timer doesn't work!")
                Processes.run(List.of("qemu-system-x86_64", "-accel", "tcg", "-smp", Integer.toString(cpus), "-m",
                        "512M", "-nographic", "-no-reboot", "-display", "none", "-monitor", "none", "-nic", "none",
                        "-serial", "file:" + work.resolve("console.log"), "-serial", "file:" + results,
                        "-kernel", vmlinuz.toString(), "-initrd", work.resolve("initrd.gz").toString(),
                        "-append", "console=ttyS0 panic=-1 quiet loglevel=1 mitigations=off nokaslr no_timer_check"),
                        work, Map.of(), timeout);
                String out = Files.readString(results, StandardCharsets.ISO_8859_1).replace("\r", "");
                if (out.contains("### hwbp-oracle done")) {
                    return out;
                }
                String console = Files.readString(work.resolve("console.log"), StandardCharsets.ISO_8859_1);
                // a boot that never reached the guest program is tried once more; a run that started is not
                if (out.contains("### hwbp-oracle start") || attempt == 2) {
                    throw new IOException("the guest did not finish; its console:\n" + console);
                }
                log.println("# the kernel did not boot, trying once more: "
                        + console.lines().filter(l -> l.contains("panic")).findFirst().orElse("(no panic line)"));
            }
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The compiled guest program, built once per version of its source. */
    Path guest() throws IOException {
        Path src = root.resolve("oracle/guest/hwbp-oracle.c");
        byte[] text = Files.readAllBytes(src);
        String sum;
        try {
            sum = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path bin = cache.resolve("hwbp-oracle-" + sum);
        if (!Files.isExecutable(bin)) {
            Files.createDirectories(cache);
            Path tmp = cache.resolve("hwbp-oracle-" + sum + ".tmp" + ProcessHandle.current().pid());
            Processes.run(List.of("gcc", "-static", "-O2", "-Wall", "-Wl,-Ttext-segment=0x10000000", "-o",
                    tmp.toString(), src.toString()), null, Map.of(), 300);
            Files.move(tmp, bin, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return bin;
    }

    private void ensureQemu() throws IOException {
        if (Processes.onPath("qemu-system-x86_64")) {
            return;
        }
        log.println("# installing Debian's qemu-system-x86 (first use)");
        aptUpdate();
        Processes.run(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends", "qemu-system-x86"),
                null, Map.of("DEBIAN_FRONTEND", "noninteractive"), 1800);
    }

    /** The cached vmlinuz of the kernel package {@link #KERNEL_META} depends on; downloaded on first use. */
    Path kernel() throws IOException {
        Path dir = cache.resolve("kernel");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                Path found = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst().orElse(null);
                if (found != null) {
                    return found;
                }
            }
        }
        String pkg = kernelPackage();
        if (pkg == null) {
            aptUpdate();
            pkg = kernelPackage();
        }
        if (pkg == null) {
            throw new IOException("apt-cache knows no package that " + KERNEL_META + " depends on");
        }
        log.println("# downloading Debian's " + pkg + " (first use; only its vmlinuz is kept)");
        Files.createDirectories(cache);
        Path tmp = Files.createTempDirectory(cache, "kernel");
        try {
            Processes.run(List.of("apt-get", "download", "-q", pkg), tmp, Map.of(), 1800);
            Path deb;
            try (Stream<Path> s = Files.list(tmp)) {
                deb = s.filter(p -> p.toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new IOException("apt-get download left no .deb"));
            }
            Processes.run(List.of("sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -x --wildcards './boot/vmlinuz-*'",
                    "sh", deb.toString()), tmp, Map.of(), 600);
            Path boot = tmp.resolve("boot");
            Path vmlinuz;
            try (Stream<Path> s = Files.list(boot)) {
                vmlinuz = s.findFirst().orElseThrow(() -> new IOException(deb + " holds no vmlinuz"));
            }
            Files.createDirectories(dir);
            Path target = dir.resolve(vmlinuz.getFileName());
            Files.move(vmlinuz, target);
            return target;
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String kernelPackage() throws IOException {
        String deps = Processes.run(List.of("apt-cache", "depends", KERNEL_META), null, Map.of(), 120, false);
        for (String l : deps.split("\n")) {
            String[] f = l.trim().split("\\s+");
            if (f.length == 2 && f[0].equals("Depends:") && f[1].matches("linux-image-6\\.12\\.[0-9].*")) {
                return f[1];
            }
        }
        return null;
    }

    private static void aptUpdate() throws IOException {
        Processes.run(List.of("apt-get", "update", "-qq"), null, Map.of("DEBIAN_FRONTEND", "noninteractive"), 900);
    }
}
