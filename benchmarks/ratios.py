#!/usr/bin/env python3
"""Prints the performance-goal ratios (issue 9) from JMH JSON result files.

Usage: python3 benchmarks/ratios.py RESULT.json [RESULT.json ...]
Each ratio needs both of its figures, ideally from the same run; figures missing from the files are
reported as "n/a". Goals are printed beside each ratio; nothing here asserts anything.
"""
import json
import sys

PKG = "org.hwbp.bench."


def load(paths):
    rows = []
    for p in paths:
        try:
            with open(p) as f:
                results = json.load(f)
        except OSError as e:
            sys.exit(f"ratios.py: cannot read {p}: {e.strerror}")
        except ValueError as e:
            sys.exit(f"ratios.py: {p} is not a JMH JSON result file: {e}")
        for b in results:
            name = b["benchmark"].replace(PKG, "")
            rows.append((name, b.get("params") or {}, b))
    return rows


def score(rows, name, **params):
    """The primary score of benchmark `name` whose params include `params` (last file wins)."""
    found = None
    for n, ps, b in rows:
        if n == name and all(str(ps.get(k)) == str(v) for k, v in params.items()):
            found = b
    return found


def fmt(x, digits=2):
    return "n/a" if x is None else f"{x:,.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def primary(b):
    return None if b is None else b["primaryMetric"]["score"]


def main(paths):
    rows = load(paths)
    rp = "ReservationBenchmark.reservePair"

    print("== reservePair (ns/op) ==")
    for n, ps, b in rows:
        if n == rp:
            print(f"  impl={ps['impl']:8} cpus={ps['cpus']:>5} live={ps['live']:>7}  {fmt(primary(b), 1):>16} ns/op")
    chm = primary(score(rows, "ReservationBenchmark.chmLockPair"))
    print(f"  chmLockPair                              {fmt(chm, 1):>16} ns/op")
    naive = primary(score(rows, rp, impl="naive", cpus=256, live=512))
    sandbox = primary(score(rows, rp, impl="sandbox", cpus=256, live=512))
    print(f"naive/sandbox at cpus=256 live=512: {fmt(ratio(naive, sandbox), 0)}   (goal >= 1000)")
    print(f"sandbox/chmLockPair at cpus=256 live=512: {fmt(ratio(sandbox, chm))}   (goal <= 2)")
    corners = [primary(score(rows, rp, impl="sandbox", cpus=c, live=l)) for c in (4, 1024) for l in (0, 100000)]
    corners = [c for c in corners if c is not None]
    if corners:
        worst = max(corners) / min(corners)
        print(f"sandbox max/min over cpus in {{4,1024}} x live in {{0,100000}} ({len(corners)} of 4 figures): "
              f"{fmt(worst)}   (goal <= 1.5)")
        print(f"sandbox worst corner/chmLockPair: {fmt(ratio(max(corners), chm))}   (goal <= 2)")
    else:
        print("sandbox spread over cpus {4,1024} x live {0,100000}: n/a")

    print("\n== thread (us per op = one batch of threads x parallelism threads) ==")
    for n, ps, b in rows:
        if n == "ThreadBenchmark.thread":
            per_thread = primary(b) / (int(ps["threads"]) * int(ps["parallelism"]))
            print(f"  impl={ps['impl']:8} cpus={ps['cpus']} b={ps['breakpoints']} t={ps['threads']} "
                  f"p={ps['parallelism']}  {fmt(primary(b), 1):>14} us/op  ({fmt(per_thread, 2)} us per thread,"
                  f" perf's usecs/op)")
    t = {i: primary(score(rows, "ThreadBenchmark.thread", impl=i, cpus=256)) for i in ("sandbox", "naive", "off")}
    print(f"sandbox/off at cpus=256: {fmt(ratio(t['sandbox'], t['off']), 3)}   (goal <= 1.10)")
    print(f"naive/sandbox at cpus=256: {fmt(ratio(t['naive'], t['sandbox']), 1)}   (reported)")

    print("\n== claim (SampleTime, us/op) ==")
    c = score(rows, "ClaimBenchmark.claim")
    pct = {}
    if c is None:
        print("  n/a")
    else:
        claimer = c["secondaryMetrics"].get("claimer", {})
        pct = claimer.get("scorePercentiles", {})
        for k in ("50.0", "99.0", "99.9", "99.99", "100.0"):
            if k in pct:
                print(f"  claimer p{k:6} {fmt(pct[k], 3):>14} us")
        print(f"claimer p99.9: {fmt(pct.get('99.9'), 3)} us   (goal <= 10)")
    s = score(rows, "ClaimBenchmark.spin")
    if s is not None:
        spin = s["secondaryMetrics"].get("spinner", {}).get("scorePercentiles", {})
        for k in ("50.0", "99.0", "99.9", "99.99", "100.0"):
            if k in spin:
                print(f"  spinner p{k:6} {fmt(spin[k], 3):>14} us")
        for k in ("99.0", "99.9"):
            print(f"claimer/spinner p{k}: {fmt(ratio(pct.get(k), spin.get(k)))}   (goal <= 1.5)")

    print("\n== vmEntryExit (host DR accesses per entry+exit) ==")
    any_vm = False
    for n, ps, b in rows:
        if n == "VmEntryExitBenchmark.vmEntryExit":
            any_vm = True
            sec = b["secondaryMetrics"]
            ops = sec.get("entries", {}).get("score")
            r = ratio(sec.get("drReads", {}).get("score"), ops)
            w = ratio(sec.get("drWrites", {}).get("score"), ops)
            print(f"  case={ps.get('case_', ps.get('case')):6} policy={ps['policy']:6} {fmt(primary(b), 1):>10} "
                  f"{b['primaryMetric']['scoreUnit']}  reads/op={fmt(r)} writes/op={fmt(w)}")
    if not any_vm:
        print("  n/a")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
