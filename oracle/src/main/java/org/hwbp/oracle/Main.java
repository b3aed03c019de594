package org.hwbp.oracle;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code ./sandbox oracle [--native] FILE...} and {@code ./sandbox oracle [--native] --random N --seed S}: runs the
 * steps on Linux (under QEMU, or natively) and in the sandbox, and prints per step the command, Linux's answer, the
 * sandbox's answer and MATCH / DIFF / unsupported / ARTEFACT, then {@code N match, N diff, N unsupported}
 * (artefacts are counted with the unsupported steps). Exit status 0 iff no DIFF; 2 when a side could not run.
 */
public final class Main {

    private final Path root;
    private final PrintStream out;
    private final boolean nativeMode;
    private int cpus;
    private final LinuxRunner linux;
    private String environment = "";

    private Main(Path root, PrintStream out, boolean nativeMode, int cpus) {
        this.root = root;
        this.out = out;
        this.nativeMode = nativeMode;
        this.cpus = cpus;
        this.linux = new LinuxRunner(root, out);
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try {
            System.exit(run(args, out));
        } catch (IllegalArgumentException e) {
            System.err.println("sandbox oracle: " + e.getMessage());
            System.err.println("usage: ./sandbox [--cpus N] oracle [--native] FILE...");
            System.err.println("       ./sandbox [--cpus N] oracle [--native] --random N --seed S [--out DIR] [--shrink K]");
            System.exit(2);
        } catch (IOException e) {
            System.err.println("sandbox oracle: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(String[] args, PrintStream out) throws IOException {
        Path root = Path.of(".");
        int cpus = 4;
        boolean cpusGiven = false;
        boolean nativeMode = false;
        int random = -1;
        Long seed = null;
        Path dir = null;
        int shrink = 3;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = Path.of(value(args, ++i, "--root"));
                case "--cpus" -> {
                    cpus = positive(value(args, ++i, "--cpus"), "--cpus");
                    cpusGiven = true;
                }
                case "--native" -> nativeMode = true;
                case "--random" -> random = positive(value(args, ++i, "--random"), "--random");
                case "--seed" -> seed = Long.parseLong(value(args, ++i, "--seed"));
                case "--out" -> dir = Path.of(value(args, ++i, "--out"));
                case "--shrink" -> shrink = Integer.parseInt(value(args, ++i, "--shrink"));
                default -> {
                    if (args[i].startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + args[i]);
                    }
                    Path f = Path.of(args[i]);
                    if (!Files.isRegularFile(f)) {
                        throw new IllegalArgumentException("no such file: " + args[i]);
                    }
                    files.add(f.toAbsolutePath());
                }
            }
        }
        if (random < 0 == files.isEmpty()) {
            throw new IllegalArgumentException(random < 0 ? "needs scenario FILEs or --random N --seed S"
                    : "--random takes no FILE");
        }
        if (random >= 0 && seed == null) {
            throw new IllegalArgumentException("--random needs --seed S");
        }
        if (nativeMode) {
            int host = Runtime.getRuntime().availableProcessors();
            if (cpusGiven && cpus != host) {
                out.println("# --native runs on the host's " + host + " CPUs, not " + cpus);
            }
            cpus = host;
        }
        Main m = new Main(root.toAbsolutePath().normalize(), out, nativeMode, cpus);
        if (random >= 0) {
            if (dir == null) {
                dir = Files.createTempDirectory("hwbp-oracle-random");
            }
            files = m.writeRandom(random, seed, dir);
        }
        return m.compare(files, random >= 0 ? shrink : 0);
    }

    private List<Path> writeRandom(int n, long seed, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<List<String>> gen = new RandomScenario(seed, cpus).generate(n);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < gen.size(); i++) {
            Path f = dir.resolve(String.format("random-s%d-c%d-%03d.hwbp", seed, cpus, i + 1));
            List<String> lines = new ArrayList<>();
            lines.add(String.format("# ./sandbox --cpus %d oracle --random %d --seed %d: file %d of %d", cpus, n, seed,
                    i + 1, gen.size()));
            lines.addAll(gen.get(i));
            Files.write(f, lines);
            files.add(f);
        }
        out.println("# " + n + " random steps (seed " + seed + ", " + cpus + " CPUs) in " + files.size()
                + " files under " + dir);
        return files;
    }

    /** Both sides' answers for these files: Linux's parsed output and, per file, the sandbox's step outputs. */
    private record Run(LinuxOutput linux, List<List<List<String>>> sandbox) {
    }

    private Run runBoth(List<Path> files) throws IOException {
        SandboxRunner sandbox = new SandboxRunner(root.resolve("sandbox"), cpus);
        CompletableFuture<String> l = CompletableFuture.supplyAsync(() -> {
            try {
                return nativeMode ? linux.runNative(files) : linux.runQemu(files, cpus);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        });
        List<List<List<String>>> s = sandbox.run(files);
        String text;
        try {
            text = l.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        LinuxOutput lo = LinuxOutput.parse(text);
        if (lo.onlineCpus() != cpus) {
            throw new IOException("Linux reported " + lo.onlineCpus() + " online CPUs, the sandbox runs with " + cpus);
        }
        environment = lo.kernel() + (nativeMode ? ", natively on the host's CPU" : ", under QEMU (TCG)")
                + ", " + cpus + " CPUs; sandbox --cpus " + cpus;
        return new Run(lo, s);
    }

    /**
     * Compares the files; then shrinks the first disagreement of each file into a reproducer, for at most
     * {@code shrink} kinds of disagreement (a kind: the command and both answers), since each costs rounds of runs.
     */
    private int compare(List<Path> files, int shrink) throws IOException {
        long t0 = System.nanoTime();
        Run run = runBoth(files);
        out.println("# " + environment);
        int match = 0;
        int diff = 0;
        int unsupported = 0;
        int artefacts = 0;
        int hits = 0;
        List<Outcome> firstDiffs = new ArrayList<>();
        List<Path> diffFiles = new ArrayList<>();
        List<List<Step>> diffSteps = new ArrayList<>();
        List<Integer> diffIndex = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            String name = f.getFileName().toString();
            List<Step> steps = ScenarioFile.read(f);
            String pre = run.linux().prechecks.get(name);
            if (pre != null && !pre.startsWith("all slots free")) {
                out.println("# " + name + ": Linux precheck: " + pre);
            }
            List<Outcome> outcomes = FileComparison.compare(steps, run.linux().files.get(name), run.sandbox().get(i),
                    !nativeMode);
            int firstDiff = -1;
            for (int k = 0; k < outcomes.size(); k++) {
                Outcome o = outcomes.get(k);
                out.println(o.render());
                switch (o.verdict()) {
                    case MATCH -> match++;
                    case DIFF -> diff++;
                    case UNSUPPORTED -> unsupported++;
                    case ARTEFACT -> {
                        unsupported++;
                        artefacts++;
                    }
                }
                if (o.hit() && (o.verdict() == Verdict.MATCH)) {
                    hits++;
                }
                if (o.verdict() == Verdict.DIFF && firstDiff < 0) {
                    firstDiff = k;
                }
            }
            if (firstDiff >= 0) {
                firstDiffs.add(outcomes.get(firstDiff));
                diffFiles.add(f);
                diffSteps.add(steps);
                diffIndex.add(firstDiff);
            }
        }
        java.util.Map<String, String> kinds = new java.util.LinkedHashMap<>();
        for (int i = 0; i < firstDiffs.size() && shrink > 0; i++) {
            Outcome o = firstDiffs.get(i);
            String kind = o.step().verb() + " " + o.linux() + " / " + o.sandbox();
            String where = o.step().file() + ":" + o.step().line();
            if (kinds.containsKey(kind)) {
                out.println("# the DIFF at " + where + " is of the kind already shrunk for " + kinds.get(kind));
            } else if (kinds.size() < shrink) {
                kinds.put(kind, where);
                out.print(reproduce(diffFiles.get(i), diffSteps.get(i), diffIndex.get(i)));
            } else {
                out.println("# the DIFF at " + where + " is not shrunk (--shrink " + shrink + " kinds done)");
            }
        }
        out.printf("# %d access steps fired breakpoints and matched; %d emulator artefacts (counted as unsupported);"
                + " %.0f s%n", hits, artefacts, (System.nanoTime() - t0) / 1e9);
        out.println(match + " match, " + diff + " diff, " + unsupported + " unsupported");
        return diff == 0 ? 0 : 1;
    }

    /** The shrunk reproducer of the first disagreement in {@code f}, as printed text; also written beside it. */
    private String reproduce(Path f, List<Step> steps, int first) throws IOException {
        List<String> lines = steps.stream().map(Step::command).toList();
        Path work = Files.createTempDirectory("hwbp-oracle-shrink");
        int[] batch = {0};
        Shrinker.Judge judge = candidates -> {
            List<Path> cf = new ArrayList<>();
            for (List<String> c : candidates) {
                Path p = work.resolve(String.format("c%05d.hwbp", batch[0]++));
                Files.write(p, c);
                cf.add(p);
            }
            Run r = runBoth(cf);
            List<Boolean> verdicts = new ArrayList<>();
            for (int i = 0; i < cf.size(); i++) {
                List<Step> st = ScenarioFile.read(cf.get(i));
                List<Outcome> o = FileComparison.compare(st, r.linux().files.get(cf.get(i).getFileName().toString()),
                        r.sandbox().get(i), !nativeMode);
                verdicts.add(!o.isEmpty() && o.get(o.size() - 1).verdict() == Verdict.DIFF);
            }
            return verdicts;
        };
        Shrinker.Result r = new Shrinker(judge, 12).shrink(lines, first);
        String name = f.getFileName().toString().replace(".hwbp", "");
        Path repro = f.resolveSibling(name + "-repro-line" + steps.get(first).line() + ".hwbp");
        Files.write(repro, r.steps());
        StringBuilder b = new StringBuilder();
        b.append(String.format("# reproducer of the DIFF at %s:%d (%d of its %d steps%s; %d rounds, %d candidates): %s%n",
                f.getFileName(), steps.get(first).line(), r.steps().size(), first + 1,
                r.confirmed() ? "" : ", NOT reproduced on its own", r.rounds(), r.candidates(), repro));
        r.steps().forEach(s -> b.append("#   ").append(s).append('\n'));
        return b.toString();
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) {
            throw new IllegalArgumentException(opt + " needs a value");
        }
        return args[i];
    }

    private static int positive(String v, String opt) {
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(opt + " needs a positive number, not '" + v + "'");
    }
}
