#!/usr/bin/env python3
"""Scenario throughput and startup of the runtime (issue 19, item 2).

Generates COUNT scenario files of about STEPS steps each (runtime's ScenarioGenerator, seeded) and times:
  one runtime    ./sandbox run F1 ... FN          (one JVM, one Felix, a reset between files)
  one JVM/file   ./sandbox run Fi, for each file  (the former mode: a fresh JVM and Felix per file)
  Linux/QEMU     the Linux oracle on the same files (one QEMU boot per file), measured on a subset
                 (--oracle-script, --oracle-subset) or given as a recorded figure (--oracle-seconds-per-file)
  startup        ./sandbox -c hwbp:used (hyperfine when installed)
and prints the ratios against the goals (one runtime >= 20x one JVM per file, >= 100x Linux under QEMU).

Needs a built tree (mvn -B -DskipTests verify: the runtime jar and the test classes with the generator).
Usage: python3 benchmarks/scenario-throughput.py [--count 100] [--steps 80] [--seed 0x19]
           [--per-file-subset N] [--oracle-script PATH --oracle-subset K | --oracle-seconds-per-file S]
           [--startup-runs 10]
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SANDBOX = os.path.join(ROOT, "sandbox")
JAR = os.path.join(ROOT, "runtime", "target", "hwbp-sandbox.jar")
CLASSES = os.path.join(ROOT, "runtime", "target", "test-classes")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")


def fail(message):
    print("scenario-throughput: " + message, file=sys.stderr)
    sys.exit(2)


CPU = {"s": 0.0}


def timed(cmd, out):
    """Wall time and status; CPU["s"] gets the command's CPU time (user + system of the JVMs)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    status = subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL).returncode
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.monotonic() - start, status


def steps_in(transcript):
    return sum(1 for line in transcript.splitlines() if line.startswith("hwbp> "))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--steps", type=int, default=80)
    p.add_argument("--seed", default="0x19")
    p.add_argument("--per-file-subset", type=int, default=0,
                   help="time the one-JVM-per-file mode on the first N files only and extrapolate (0: all)")
    p.add_argument("--oracle-script", help="the Linux oracle's run-oracle.sh, to measure on a subset")
    p.add_argument("--oracle-subset", type=int, default=10)
    p.add_argument("--oracle-seconds-per-file", type=float,
                   help="a recorded figure of the oracle's wall time per file, instead of measuring it")
    p.add_argument("--startup-runs", type=int, default=10)
    a = p.parse_args()

    if not os.path.isfile(JAR) or not os.path.isdir(os.path.join(CLASSES, "org", "hwbp", "it")):
        fail("build first: mvn -B -DskipTests verify (needs " + os.path.relpath(JAR, ROOT) + " and "
             + os.path.relpath(CLASSES, ROOT) + ")")
    java = shutil.which("java") or fail("no java on PATH")
    work = tempfile.mkdtemp(prefix="hwbp-throughput-")
    files_dir = os.path.join(work, "scenarios")
    subprocess.run([java, "-cp", CLASSES, "org.hwbp.it.ScenarioGenerator", files_dir, str(a.count), str(a.steps),
                    a.seed], check=True)
    files = sorted(os.path.join(files_dir, f) for f in os.listdir(files_dir) if f.endswith(".hwbp"))
    print(f"{len(files)} generated files, about {a.steps} steps each (seed {a.seed}), in {files_dir}")

    # One runtime for every file.
    one_out = os.path.join(work, "one-runtime.txt")
    with open(one_out, "w") as out:
        one_s, status = timed([SANDBOX, "run"] + files, out)
    one_cpu = CPU["s"]
    text = open(one_out).read()
    total = text.rstrip("\n").split("\n")[-1]
    if not SUMMARY.match(total):
        fail(f"the one-runtime run did not finish (status {status}); see {one_out}")
    steps = steps_in(text)
    print(f"one runtime:   {one_s:8.2f} s for {len(files)} files, {steps} steps ({total}, status {status}); "
          f"CPU {one_cpu:.2f} s")

    # One JVM per file, as ./sandbox run did before.
    subset = files[:a.per_file_subset] if a.per_file_subset else files
    per_s = 0.0
    per_cpu = 0.0
    with open(os.path.join(work, "per-file.txt"), "w") as out:
        for f in subset:
            s, _ = timed([SANDBOX, "run", f], out)
            per_s += s
            per_cpu += CPU["s"]
    per_all = per_s * len(files) / len(subset)
    per_cpu_all = per_cpu * len(files) / len(subset)
    note = "" if len(subset) == len(files) else f" (measured on {len(subset)} files: {per_s:.2f} s, scaled)"
    print(f"one JVM/file:  {per_all:8.2f} s for {len(files)} files{note}; CPU {per_cpu_all:.2f} s")

    # Linux under QEMU.
    oracle_all = None
    if a.oracle_script:
        k = min(a.oracle_subset, len(files))
        res = os.path.join(work, "oracle-results")
        cmd = ["bash", a.oracle_script, "-o", res] + files[:k]
        start = time.monotonic()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        oracle_s = time.monotonic() - start
        oracle_all = oracle_s * len(files) / k
        print(f"Linux/QEMU:    {oracle_all:8.2f} s for {len(files)} files (measured: {oracle_s:.1f} s for {k} files "
              f"with {' '.join(cmd[:4])} FILE..., scaled; one QEMU boot per file)")
    elif a.oracle_seconds_per_file:
        oracle_all = a.oracle_seconds_per_file * len(files)
        print(f"Linux/QEMU:    {oracle_all:8.2f} s for {len(files)} files (recorded: {a.oracle_seconds_per_file} s "
              f"per file)")
    else:
        print("Linux/QEMU:    not measured (--oracle-script PATH or --oracle-seconds-per-file S)")

    # Startup of the runtime from a built tree.
    if shutil.which("hyperfine"):
        js = os.path.join(work, "startup.json")
        subprocess.run(["hyperfine", "-N", "-w", "1", "-r", str(a.startup_runs), "--export-json", js,
                        SANDBOX + " -c hwbp:used"], stdout=subprocess.DEVNULL, check=True)
        r = json.load(open(js))["results"][0]
        print(f"startup:       {r['mean']:8.3f} s ± {r['stddev']:.3f} (hyperfine, {a.startup_runs} runs, "
              f"min {r['min']:.3f}, user {r['user']:.3f} s, system {r['system']:.3f} s): ./sandbox -c hwbp:used")
    else:
        times = []
        for _ in range(a.startup_runs):
            times.append(timed([SANDBOX, "-c", "hwbp:used"], subprocess.DEVNULL)[0])
        print(f"startup:       {sum(times) / len(times):8.3f} s mean of {len(times)} (min {min(times):.3f}): "
              "./sandbox -c hwbp:used")

    print()
    ratio = per_all / one_s
    print(f"one JVM per file / one runtime = {ratio:.1f}x wall (goal >= 20: {'met' if ratio >= 20 else 'missed'}), "
          f"{per_cpu_all / one_cpu:.1f}x CPU time")
    if oracle_all is not None:
        ratio = oracle_all / one_s
        print(f"Linux under QEMU / one runtime = {ratio:.1f}x (goal >= 100: {'met' if ratio >= 100 else 'missed'})")
    print(f"one runtime: {one_s / len(files) * 1000:.1f} ms per file, {one_s / steps * 1e6:.0f} us per step "
          "(including the runtime's one startup)")


if __name__ == "__main__":
    main()
