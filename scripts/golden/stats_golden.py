#!/usr/bin/python3
"""Reference values from scipy for Warden's stats package.

Run with Debian's interpreter (python3-scipy 1.10.1, python3-numpy):

    /usr/bin/python3 scripts/golden/stats_golden.py

It rewrites testdata/golden/stats/*.json; see scripts/golden/README.md. Everything is
deterministic: running it twice writes identical files.

The two-sample KS cases do not store their samples. Each sample is described by generator
parameters (seed, n, dist, scale, shift, grid) and regenerated bit for bit by the same
generator in Go (stats/golden_gen_test.go): SplitMix64, uniforms k/2^53, and only exactly
rounded float operations (+ - * / floor).
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
from scipy import stats

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "testdata", "golden", "stats")

MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
MAX_EXACT_N = 10000  # scipy's MAX_AUTO_N in ks_2samp


# --- generator -------------------------------------------------------------------------


def splitmix64_reference(seed, count):
    """SplitMix64 with explicit 64-bit masking: the definition the other two follow."""
    state = seed & MASK64
    out = []
    for _ in range(count):
        state = (state + GAMMA) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * MIX1) & MASK64
        z = ((z ^ (z >> 27)) * MIX2) & MASK64
        out.append(z ^ (z >> 31))
    return out


def splitmix64(seed, count):
    """Vectorised SplitMix64: draw k uses state seed + (k+1)*GAMMA mod 2^64."""
    k = np.arange(1, count + 1, dtype=np.uint64)
    z = np.uint64(seed) + k * np.uint64(GAMMA)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
    return z ^ (z >> np.uint64(31))


def uniforms(seed, count):
    # The top 53 bits as an integer k, then k/2^53: both steps are exact.
    return (splitmix64(seed, count) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def generate(spec):
    n, dist = spec["n"], spec["dist"]
    if dist == "uniform":
        t = uniforms(spec["seed"], n)
    elif dist == "normal":
        u = uniforms(spec["seed"], 12 * n).reshape(n, 12)
        t = u[:, 0].copy()
        for k in range(1, 12):
            t = t + u[:, k]
        t = t - 6.0
    elif dist == "square":
        u = uniforms(spec["seed"], n)
        t = u * u
    elif dist == "pareto":
        t = 1.0 / (1.0 - uniforms(spec["seed"], n))
    elif dist == "seq":
        t = np.arange(n, dtype=np.float64)
    else:
        raise ValueError(dist)
    v = t * spec["scale"] + spec["shift"]
    if spec["grid"] > 0:
        v = np.floor(v / spec["grid"] + 0.5) * spec["grid"]
    return v


def self_check():
    for seed in (0, 1, 12345, MASK64 - 7):
        ref = splitmix64_reference(seed, 1000)
        vec = [int(v) for v in splitmix64(seed, 1000)]
        assert ref == vec, "vectorised SplitMix64 disagrees with the reference"
    # The first outputs of SplitMix64 seeded with 0 are published with the algorithm.
    assert splitmix64_reference(0, 1)[0] == 0xE220A8397B1DCDAF


def spec(seed, n, dist="normal", scale=1.0, shift=0.0, grid=0.0):
    return {"seed": seed, "n": n, "dist": dist, "scale": float(scale),
            "shift": float(shift), "grid": float(grid)}


# --- KS two-sample ----------------------------------------------------------------------


def ks_2samp(x, y):
    """scipy's ks_2samp, reporting which method produced the p-value."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = stats.ks_2samp(x, y, alternative="two-sided", method="auto")
    fell_back = any("Exact calculation unsuccessful" in str(w.message) for w in caught)
    exact = max(len(x), len(y)) <= MAX_EXACT_N and not fell_back
    return float(res.statistic), float(res.pvalue), "exact" if exact else "asymp"


class KSCases:
    def __init__(self):
        self.cases = []
        self.seed = 1000
        self.cache = {}

    def sample(self, s):
        key = json.dumps(s, sort_keys=True)
        if key not in self.cache:
            if len(self.cache) > 8:
                self.cache.clear()
            self.cache[key] = generate(s)
        return self.cache[key]

    def next_seed(self):
        self.seed += 1
        return self.seed

    def add(self, name, xs, ys):
        d, p, method = ks_2samp(self.sample(xs), self.sample(ys))
        self.cases.append({"name": name, "x": xs, "y": ys, "statistic": d, "pvalue": p,
                           "method": method})
        return p

    def pair(self, n1, n2, dist="normal", shift=0.0, scale=1.0, grid=0.0, ydist=None):
        return (spec(self.next_seed(), n1, dist, 1.0, 0.0, grid),
                spec(self.next_seed(), n2, ydist or dist, scale, shift, grid))

    def p_for_shift(self, n1, n2, seeds, dist, shift):
        x = self.sample(spec(seeds[0], n1, dist))
        y = self.sample(spec(seeds[1], n2, dist, 1.0, shift))
        return ks_2samp(x, y)[1]

    def targeted(self, name, n1, n2, target, dist="normal"):
        """A shifted pair whose p-value lands near target (log scale), by bisection."""
        seeds = (self.next_seed(), self.next_seed())
        lo, hi = 0.0, 1.0
        while self.p_for_shift(n1, n2, seeds, dist, hi) > target and hi < 64:
            lo, hi = hi, 2 * hi
        for _ in range(14):
            mid = (lo + hi) / 2
            p = self.p_for_shift(n1, n2, seeds, dist, mid)
            if p > target:
                lo = mid
            else:
                hi = mid
            if p > 0 and abs(math.log10(p) - math.log10(target)) < 0.3:
                break
        shift = (lo + hi) / 2
        self.add(name, spec(seeds[0], n1, dist), spec(seeds[1], n2, dist, 1.0, shift))


def ks_cases():
    c = KSCases()
    dists = ["normal", "uniform", "square", "pareto"]

    # Small and medium samples on the exact path, with and without ties.
    sizes = [1, 2, 3, 4, 5, 7, 8, 10, 13, 16, 20, 25, 31, 50, 64, 100, 128, 250, 333, 500,
             999, 1000, 1001]
    k = 0
    for i, n1 in enumerate(sizes):
        for n2 in sizes[i::3]:
            dist = dists[k % len(dists)]
            shift = [0.0, 0.25, 1.0][k % 3]
            grid = [0.0, 0.0, 0.5, 0.125][k % 4]
            xs, ys = c.pair(n1, n2, dist, shift=shift, grid=grid)
            c.add(f"small {n1}x{n2} {dist} shift={shift} grid={grid}", xs, ys)
            k += 1

    # Scale differences (same centre, different spread) and mixed shapes.
    for n1, n2 in [(40, 60), (300, 200), (2000, 1500)]:
        xs, ys = c.pair(n1, n2, "normal", scale=2.0)
        c.add(f"scale {n1}x{n2}", xs, ys)
        xs, ys = c.pair(n1, n2, "uniform", ydist="square")
        c.add(f"uniform vs square {n1}x{n2}", xs, ys)

    # Around the exact/asymptotic switch at 10000 and the largest exact problems.
    for n1, n2, shift in [(10000, 10000, 0.0), (10000, 10000, 0.05), (10000, 9999, 0.0),
                          (10000, 9999, 0.03), (9999, 10000, 0.1), (7919, 10000, 0.02),
                          (10000, 1, 0.0), (3, 10000, 1.0), (10000, 5000, 0.0),
                          (4096, 10000, 0.04), (10001, 10000, 0.0), (10000, 10001, 0.03),
                          (10001, 3, 1.0), (1, 10001, 0.0)]:
        xs, ys = c.pair(n1, n2, "normal", shift=shift)
        c.add(f"boundary {n1}x{n2} shift={shift}", xs, ys)
    # Heavy ties on both paths.
    for n1, n2, grid in [(5000, 5000, 0.5), (8000, 6000, 1.0), (20000, 20000, 0.25),
                         (30000, 1000, 2.0)]:
        xs, ys = c.pair(n1, n2, "normal", shift=0.1, grid=grid)
        c.add(f"ties {n1}x{n2} grid={grid}", xs, ys)

    # The asymptotic path, up to 10^6, balanced and very unbalanced.
    for n1, n2, shift, dist in [(20000, 15000, 0.0, "normal"), (20000, 15000, 0.02, "normal"),
                                (50000, 70000, 0.01, "uniform"), (200000, 10, 0.5, "normal"),
                                (100000, 100000, 0.005, "normal"), (12345, 67890, 0.0, "pareto"),
                                (3, 1000000, 0.0, "normal"), (3, 1000000, 2.0, "normal"),
                                (1000000, 1000, 0.05, "normal"), (1000000, 20000, 0.01, "normal"),
                                (1000000, 1000000, 0.0, "normal"),
                                (1000000, 1000000, 0.003, "normal"),
                                (1000000, 1000000, 0.05, "normal")]:
        xs, ys = c.pair(n1, n2, dist, shift=shift)
        c.add(f"asymp {n1}x{n2} {dist} shift={shift}", xs, ys)

    # p-values spread down to and below 1e-300 on both paths.
    targets = [1e-3, 1e-10, 1e-30, 1e-60, 1e-100, 1e-150, 1e-200, 1e-250, 1e-290, 1e-300,
               1e-305, 1e-320]
    for n1, n2 in [(10000, 9999), (10000, 10000), (2500, 4000), (700, 300), (100, 100),
                   (25000, 20000), (15000, 300)]:
        for target in targets:
            c.targeted(f"tiny p {n1}x{n2} target={target:g}", n1, n2, target)
    for n1, n2 in [(20, 30), (40, 40), (60, 45)]:
        for target in [1e-5, 1e-10, 1e-15]:
            c.targeted(f"small tail {n1}x{n2} target={target:g}", n1, n2, target, "uniform")

    # Exact attempts that fail: for n1 == n2 scipy's alternating series can round to just
    # above 1 for small h, and scipy falls back to the asymptotic p-value. Two "seq" samples
    # 0..n-1 and h..n-1+h have D = h/n exactly.
    from scipy.stats._stats_py import _compute_prob_outside_square
    found = 0
    for n in [5, 7, 60, 69, 73, 95, 400, 1000, 3000, 5000, 9999, 10000]:
        for h in range(1, 40):
            if h > n:
                break
            p = _compute_prob_outside_square(n, h)
            if not 0 <= p <= 1:
                c.add(f"fallback seq n={n} h={h}", spec(0, n, "seq"), spec(0, n, "seq", 1.0, h))
                found += 1
                break
    # And exact attempts that succeed on the same construction.
    for n, h in [(5, 2), (100, 3), (10000, 2), (10000, 50)]:
        c.add(f"exact seq n={n} h={h}", spec(0, n, "seq"), spec(0, n, "seq", 1.0, h))
    # Fallbacks from random data: equal sizes on a coarse grid give small D.
    tries = 0
    while found < 16 and tries < 3000:
        tries += 1
        n = [20, 50, 100, 200, 500, 1000][tries % 6]
        xs, ys = c.pair(n, n, "normal", grid=[0.5, 1.0, 2.0][tries % 3])
        d, p, method = ks_2samp(c.sample(xs), c.sample(ys))
        if method == "asymp":
            c.add(f"fallback random n={n} grid={xs['grid']}", xs, ys)
            found += 1

    # Degenerate inputs: identical samples, constant samples, one observation each.
    c.add("identical", spec(7, 500, "normal"), spec(7, 500, "normal"))
    c.add("constant", spec(1, 50, "seq", 0.0, 3.0), spec(2, 70, "seq", 0.0, 3.0))
    c.add("constant apart", spec(1, 50, "seq", 0.0, 3.0), spec(2, 70, "seq", 0.0, 4.0))
    c.add("one each", spec(3, 1, "normal"), spec(4, 1, "normal"))
    c.add("one vs many", spec(5, 1, "normal"), spec(6, 999, "normal"))
    return c.cases


# --- kstwo ----------------------------------------------------------------------------


def kstwo_cases():
    ns = [1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 139, 140, 141, 200, 500, 1000, 5000, 10000,
          50000, 100000, 100001, 500000, 1000000, 2000000]
    cases = []
    for n in ns:
        ds = {1e-9, 0.25 / n, 0.5 / n, 0.5 / n * (1 + 1e-9), 0.75 / n, 1 / n, 1.5 / n, 3 / n,
              0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 1 - 1 / n, 1 - 0.5 / n, 1.0,
              0.99 * (1.4 / n) ** (2 / 3), 1.01 * (1.4 / n) ** (2 / 3)}
        for nx2 in [0.5, 0.754693 * 0.999, 0.754693 * 1.001, 1, 2, 2.2 * 0.999, 2.2 * 1.001,
                    3.99, 4.01, 10, 18, 50, 100, 200, 300, 369, 371, 380]:
            ds.add(math.sqrt(nx2 / n))
        for d in sorted(ds):
            if not 0 < d <= 1:
                continue
            cases.append({"n": n, "d": d, "sf": float(stats.kstwo.sf(d, n))})
    return cases


# --- chi-square ---------------------------------------------------------------------------


def chi2_cases():
    rng = np.random.Generator(np.random.PCG64(20240611))
    cases = []

    def add(name, a, b):
        a = [float(v) for v in a]
        b = [float(v) for v in b]
        res = stats.chi2_contingency(np.array([a, b]), correction=True)
        cases.append({"name": name, "a": a, "b": b, "statistic": float(res.statistic),
                      "pvalue": float(res.pvalue), "dof": int(res.dof)})

    # 2x2 with Yates' correction, including cells closer than 0.5 to their expectation.
    add("2x2 textbook", [12, 5], [7, 9])
    add("2x2 near expected", [10, 10], [10, 11])
    add("2x2 equal", [10, 10], [10, 10])
    add("2x2 tiny", [1, 0], [0, 1])
    add("2x2 one zero cell", [0, 5], [4, 3])
    add("2x2 huge balanced", [5_000_000, 5_000_000], [5_000_100, 4_999_900])
    add("2x2 huge drift", [9_000_000, 1_000_000], [8_990_000, 1_010_000])
    add("2x2 fractional", [3.5, 7.25], [6.75, 2.5])
    for i in range(12):
        scale = 10 ** (i % 7)
        a = rng.integers(1, 20, size=2) * scale
        b = rng.integers(1, 20, size=2) * scale
        add(f"2x2 random scale={scale}", a, b)

    # 2xK from small to 10^7 counts, null and shifted.
    for i, k in enumerate([3, 4, 5, 8, 10, 16, 20, 30, 40, 51]):
        for scale in [1, 100, 10_000, 1_000_000]:
            base = rng.integers(1, 50, size=k).astype(float)
            a = np.round(base * scale / 10 + rng.integers(0, 5, size=k))
            b = np.round(base * scale / 10 + rng.integers(0, 5, size=k))
            a[a == 0] = 1
            add(f"2x{k} null scale={scale}", a, b)
            tilt = 1 + 0.2 * np.linspace(-1, 1, k)
            add(f"2x{k} tilted scale={scale}", a, np.round(b * tilt) + 1)

    # Tiny p-values: association strength chosen so the statistic spans ~100..1500.
    for k in [2, 3, 6, 12, 25, 50]:
        for target_stat in [100, 300, 600, 1200, 1350, 1450, 1600]:
            n = 100_000
            base = np.full(k, n / k)
            # With a row-B tilt of e, the statistic is about n * var(tilt)/2.
            e = math.sqrt(2 * target_stat / n / max(np.var(np.linspace(-1, 1, k)), 1e-12))
            tilt = 1 + e * np.linspace(-1, 1, k)
            tilt = np.clip(tilt, 0.05, None)
            add(f"2x{k} tail stat~{target_stat}", np.round(base), np.round(base * tilt))

    # Fractional counts.
    add("2x4 fractional", [0.5, 1.25, 2.0, 3.75], [1.5, 0.25, 4.0, 0.75])
    return cases


def chi2_sf_cases():
    cases = []
    for df in [0.5, 1, 2, 3, 5, 10, 25, 49, 50, 100, 400, 1000, 10000]:
        xs = {0.0, 1e-10, 1e-3, 0.5, 1.0, df / 2, df, df + 1, 2 * df, 5 * df + 10}
        for tail in [1e-5, 1e-20, 1e-50, 1e-100, 1e-200, 1e-290, 1e-300, 1e-308]:
            xs.add(float(stats.chi2.isf(tail, df)))
        for x in sorted(xs):
            cases.append({"x": x, "dof": float(df), "sf": float(stats.chi2.sf(x, df))})
    return cases


# --- normal and two-proportion z ------------------------------------------------------


def norm_sf_cases():
    xs = [-40.0, -10.0, -3.0, -1.0, -0.5, -1e-9, 0.0, 1e-9, 0.3, 0.7071, 0.70710678118654752,
          0.75, 1.0, 1.959963984540054, 2.5, 3.0, 5.0, 8.0, 10.0, 20.0, 26.0, 30.0, 35.0,
          37.0, 37.5, 38.0, 40.0]
    return [{"x": x, "sf": float(stats.norm.sf(x))} for x in xs]


def ztest_cases():
    rng = np.random.Generator(np.random.PCG64(7))
    cases = []

    def add(name, x1, n1, x2, n2):
        p1, p2 = x1 / n1, x2 / n2
        pooled = (x1 + x2) / (n1 + n2)
        z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        cases.append({"name": name, "x1": x1, "n1": n1, "x2": x2, "n2": n2,
                      "statistic": z, "pvalue": float(2 * stats.norm.sf(abs(z)))})

    add("textbook", 45, 100, 30, 100)
    add("equal", 10, 50, 20, 100)
    add("one each", 1, 1, 0, 1)
    add("all but one", 99, 100, 100, 100)
    for i in range(20):
        n1 = int(rng.integers(1, 10 ** (1 + i % 7)))
        n2 = int(rng.integers(1, 10 ** (1 + (i * 3) % 7)))
        x1 = int(rng.integers(0, n1 + 1))
        x2 = int(rng.integers(0, n2 + 1))
        if (x1 + x2) in (0, n1 + n2):
            continue
        add(f"random {i}", x1, n1, x2, n2)
    # Tails: |z| up to ~38.5 where 2*sf(|z|) passes 1e-300 and underflows. Against x2 = n/2
    # of n, x1 = n/2 + z*sqrt(n/2) gives a statistic close to z.
    n = 10_000_000
    for z in [5, 10, 20, 30, 35, 36, 37, 37.5, 38, 38.3, 38.6, 39, 45]:
        x1 = n // 2 + round(z * math.sqrt(n / 2))
        add(f"tail n={n} z~{z}", x1, n, n // 2, n)
    for n, x1 in [(1_000_000, 600_000), (1_000_000, 510_000)]:
        add(f"tail n={n} x1={x1}", x1, n, n // 2, n)
    return cases


# --- multiple testing -------------------------------------------------------------------


def bh_reference(p):
    """statsmodels' multipletests(method='fdr_bh') and 'bonferroni', NaNs set aside."""
    p = np.asarray(p, dtype=float)
    ok = ~np.isnan(p)
    vals = p[ok]
    m = len(vals)
    bh = np.full(p.shape, np.nan)
    bonf = np.full(p.shape, np.nan)
    if m:
        order = np.argsort(vals, kind="mergesort")
        ranked = vals[order]
        raw = ranked / (np.arange(1, m + 1) / float(m))
        adj = np.minimum.accumulate(raw[::-1])[::-1]
        adj[adj > 1] = 1
        out = np.empty(m)
        out[order] = adj
        bh[ok] = out
        b = vals * float(m)
        b[b > 1] = 1
        bonf[ok] = b
    return bh, bonf


def multitest_cases():
    rng = np.random.Generator(np.random.PCG64(99))
    inputs = [
        ("empty", []),
        ("single", [0.03]),
        ("textbook", [0.01, 0.04, 0.03, 0.005, 0.2, 0.6, 0.045]),
        ("ties", [0.02, 0.02, 0.02, 0.5, 0.5, 0.001]),
        ("zeros and ones", [0.0, 1.0, 0.0, 0.5, 1.0]),
        ("nan", [0.01, float("nan"), 0.04, float("nan"), 0.03]),
        ("all nan", [float("nan"), float("nan")]),
        ("tiny", [1e-300, 1e-200, 5e-324, 0.5, 1e-10]),
    ]
    for i, m in enumerate([10, 50, 200, 1000]):
        p = rng.uniform(size=m)
        p[: m // 10] = p[: m // 10] ** 8  # some strong signals
        if i % 2:
            p[rng.integers(0, m, size=m // 20)] = np.nan
        inputs.append((f"random m={m}", list(p)))
    cases = []
    for name, p in inputs:
        bh, bonf = bh_reference(p)
        cases.append({"name": name, "p": [none_if_nan(v) for v in p],
                      "bh": [none_if_nan(v) for v in bh],
                      "bonferroni": [none_if_nan(v) for v in bonf]})
    return cases


def none_if_nan(v):
    v = float(v)
    return None if math.isnan(v) else v


# --- output -------------------------------------------------------------------------------


def write(name, doc):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        # json writes floats with repr, which round-trips exactly.
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(path, REPO)}", file=sys.stderr)


def main():
    self_check()
    os.makedirs(OUT, exist_ok=True)
    about = {"scipy": scipy.__version__, "numpy": np.__version__,
             "script": "scripts/golden/stats_golden.py"}
    write("ks2samp.json", {**about, "cases": ks_cases()})
    write("kstwo.json", {**about, "cases": kstwo_cases()})
    write("chi2_contingency.json", {**about, "cases": chi2_cases()})
    write("chi2_sf.json", {**about, "cases": chi2_sf_cases()})
    write("norm_sf.json", {**about, "cases": norm_sf_cases()})
    write("ztest.json", {**about, "cases": ztest_cases()})
    write("multitest.json", {**about, "cases": multitest_cases()})


if __name__ == "__main__":
    main()
