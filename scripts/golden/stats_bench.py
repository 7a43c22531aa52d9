#!/usr/bin/python3
"""Time Warden's stats package against scipy on the same inputs, in one run.

    /usr/bin/python3 scripts/golden/stats_bench.py

Runs `go test -bench` on ./stats, times the matching scipy calls (best of a few repeats),
and prints one Markdown table with both timings and the ratio. The KS samples come from the
golden generator, so both sides see bit-identical data (seeds 1 and 2, Irwin-Hall normal,
the second shifted by 0.02), as in stats/bench_test.go.
"""

import math
import os
import re
import subprocess
import sys
import time
import warnings

import numpy as np
from scipy import stats
from scipy.stats._stats_py import _attempt_exact_2kssamp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stats_golden  # noqa: E402

REPO = stats_golden.REPO


def best(fn, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def go_benchmarks():
    out = subprocess.run(
        ["go", "test", "-run", "^$", "-bench", ".", "-benchtime", "1s", "-count", "3", "./stats"],
        cwd=REPO, check=True, capture_output=True, text=True).stdout
    result = {}
    for line in out.splitlines():
        m = re.match(r"^(Benchmark\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op", line)
        if m:
            name, ns = m.group(1), float(m.group(3))
            result[name] = min(ns, result.get(name, math.inf))
    return result


def sample(seed, n, shift):
    return stats_golden.generate({"seed": seed, "n": n, "dist": "normal", "scale": 1.0,
                                  "shift": shift, "grid": 0.0})


def scipy_timings():
    warnings.simplefilter("ignore")
    rows = []
    for n1, n2 in [(10000, 10000), (10000, 9999), (1000000, 10000), (1000000, 1000000)]:
        x, y = np.sort(sample(1, n1, 0.0)), np.sort(sample(2, n2, 0.02))
        reps = 2 if n1 > 100000 else 5
        rows.append((f"BenchmarkKSTwoSampleSorted/n1={n1}/n2={n2}",
                     f"ks_2samp, sorted input, {n1} x {n2}", best(lambda: stats.ks_2samp(x, y), reps)))
    for n1, n2 in [(10000, 9999), (1000000, 1000000)]:
        x, y = sample(1, n1, 0.0), sample(2, n2, 0.02)
        reps = 2 if n1 > 100000 else 5
        rows.append((f"BenchmarkKSTwoSample/n1={n1}/n2={n2}",
                     f"ks_2samp, unsorted input, {n1} x {n2}", best(lambda: stats.ks_2samp(x, y), reps)))
    for n2 in [10000, 9999]:
        g = math.gcd(10000, n2)
        for d in [0.01, 0.03, 0.05, 0.1, 0.3, 0.5]:
            rows.append((f"BenchmarkKSPValueExact/n1=10000/n2={n2}/d={d:g}",
                         f"exact p-value, 10000 x {n2}, D={d:g}",
                         best(lambda: _attempt_exact_2kssamp(10000, n2, g, d, "two-sided"), 3)))
    for name, n, d in [("durbin", 100, 0.05), ("pomeranz", 100, 0.15), ("smirnov-small-n", 100, 0.3),
                       ("pelz-good", 100000, 0.003), ("smirnov", 10000, 0.03),
                       ("smirnov-large-n", 500000, 0.003)]:
        rows.append((f"BenchmarkKolmogorovSF/{name}/n={n}/d={d:g}", f"kstwo.sf({d:g}, {n})",
                     best(lambda: stats.kstwo.sf(d, n), 3)))
    for k in [2, 10, 50]:
        a = [100 + 7 * i for i in range(k)]
        c = [120 + 5 * i for i in range(k)]
        rows.append((f"BenchmarkChiSquareContingency/k={k}", f"chi2_contingency, 2x{k}",
                     best(lambda: stats.chi2_contingency([a, c]), 20)))
    return rows


def main():
    go = go_benchmarks()
    print("| case | scipy 1.10.1 | Warden | scipy / Warden |")
    print("|---|---:|---:|---:|")
    for bench, label, seconds in scipy_timings():
        ns = go.get(bench)
        if ns is None:
            print(f"no Go benchmark {bench}", file=sys.stderr)
            continue
        print(f"| {label} | {seconds * 1e3:.3f} ms | {ns / 1e6:.3f} ms | {seconds * 1e9 / ns:.1f}x |")


if __name__ == "__main__":
    main()
