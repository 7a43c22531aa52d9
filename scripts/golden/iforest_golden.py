#!/usr/bin/python3
"""Reference scores from scikit-learn's IsolationForest for Warden's outlier/iforest package.

Run with Debian's interpreter (python3-sklearn 1.2.1, python3-numpy):

    /usr/bin/python3 scripts/golden/iforest_golden.py

It rewrites testdata/golden/iforest/*.json. Everything is deterministic: running it twice
writes identical files.

An isolation forest is random, so Warden cannot reproduce scikit-learn's scores one for one;
what it must reproduce is the ranking. The script fits IsolationForest(n_estimators=100,
max_samples=256, random_state=s) for several seeds s on each dataset and records, per row, the
mean over seeds of -score_samples (so higher = more anomalous, Warden's convention), and the
ROC-AUC against the known outlier labels of each seed's scores, and how well the mean over a
second set of seeds ranks like the first (scikit-learn's agreement with itself). outlier/iforest/golden_test.go
fits Warden's forest with its own seeds and compares the rankings (Spearman) and the AUCs.

The datasets are not stored. They are regenerated bit for bit by the same generator in Go
(outlier/iforest/golden_gen_test.go): SplitMix64 (Steele, Lea & Flood 2014), uniforms k/2^53
from the top 53 bits, and only exactly rounded operations (+ - * / floor), as in
scripts/golden/stats_golden.py:

  - centre[k][j] = u*6 - 3 and spread[k][j] = 0.5 + u*0.5 for K mixture components (k outer,
    j inner), drawn first;
  - inlier i belongs to component i % K; each of its values is centre + spread*z with z the
    Irwin-Hall sum u1 + ... + u12 - 6 (summed left to right), row by row, column by column;
  - then each outlier value is u*box*2 - box, uniform in [-box, box);
  - with grid > 0 every value becomes floor(v/grid + 0.5)*grid, which makes ties; columns
    listed in "constant" are then set to 1.0 in every row.

Inliers come first, outliers last.

It also records scikit-learn's _average_path_length c(n) for a few n.
"""

import json
import os
import sys

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length
from sklearn.metrics import roc_auc_score
from scipy.stats import spearmanr

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "testdata", "golden", "iforest")

MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB

SEEDS = list(range(10))
# A second, disjoint set of seeds measures how closely scikit-learn agrees with itself.
OTHER_SEEDS = list(range(100, 110))


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + GAMMA) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * MIX1) & MASK64
        z = ((z ^ (z >> 27)) * MIX2) & MASK64
        return z ^ (z >> 31)

    def uniform(self):
        # The top 53 bits as an integer k, then k/2^53: both steps are exact.
        return float(self.next() >> 11) * 2.0**-53


def generate(spec):
    r = SplitMix64(spec["seed"])
    k_count, cols = spec["components"], spec["cols"]
    centre = [[r.uniform() * 6.0 - 3.0 for _ in range(cols)] for _ in range(k_count)]
    spread = [[0.5 + r.uniform() * 0.5 for _ in range(cols)] for _ in range(k_count)]
    rows = []
    for i in range(spec["inliers"]):
        k = i % k_count
        row = []
        for j in range(cols):
            z = r.uniform()
            for _ in range(11):
                z = z + r.uniform()
            z = z - 6.0
            row.append(centre[k][j] + spread[k][j] * z)
        rows.append(row)
    box = spec["box"]
    for _ in range(spec["outliers"]):
        rows.append([r.uniform() * (box * 2.0) - box for _ in range(cols)])
    grid = spec["grid"]
    if grid > 0:
        rows = [[float(np.floor(v / grid + 0.5)) * grid for v in row] for row in rows]
    for row in rows:
        for j in spec["constant"]:
            row[j] = 1.0
    labels = [0] * spec["inliers"] + [1] * spec["outliers"]
    return np.array(rows, dtype=np.float64), np.array(labels)


def self_check():
    # The first output of SplitMix64 seeded with 0 is published with the algorithm.
    assert SplitMix64(0).next() == 0xE220A8397B1DCDAF


DATASETS = [
    {"name": "mixture", "seed": 20240611, "cols": 8, "components": 3, "inliers": 2000,
     "outliers": 100, "box": 4.0, "grid": 0.0, "constant": []},
    {"name": "mixture-ties", "seed": 77, "cols": 6, "components": 2, "inliers": 2000,
     "outliers": 100, "box": 3.5, "grid": 0.5, "constant": [0, 3]},
]


def mean_scores(X, y, seeds):
    scores = np.zeros(len(X))
    aucs = []
    for s in seeds:
        model = IsolationForest(n_estimators=100, max_samples=256, random_state=s).fit(X)
        score = -model.score_samples(X)
        aucs.append(float(roc_auc_score(y, score)))
        scores += score
    return scores / len(seeds), aucs


def forest_case(spec):
    X, y = generate(spec)
    scores, aucs = mean_scores(X, y, SEEDS)
    other, _ = mean_scores(X, y, OTHER_SEEDS)
    return {"dataset": spec, "seeds": SEEDS, "trees": 100, "max_samples": 256,
            "auc": aucs, "mean_score_auc": float(roc_auc_score(y, scores)),
            # Spearman's rho between the mean scores over SEEDS and over OTHER_SEEDS.
            "self_spearman": float(spearmanr(scores, other).correlation),
            "score": [float(v) for v in scores],
            # A row-major copy would be large; these let the Go side check its generator.
            "first_row": [float(v) for v in X[0]], "last_row": [float(v) for v in X[-1]],
            "sum": float(np.sum(X))}


def path_length_cases():
    ns = [0, 1, 2, 3, 4, 5, 7, 10, 16, 100, 255, 256, 257, 1000, 12345, 10**6, 10**9]
    return [{"n": n, "c": float(_average_path_length([n])[0])} for n in ns]


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
    about = {"sklearn": sklearn.__version__, "numpy": np.__version__,
             "script": "scripts/golden/iforest_golden.py"}
    write("path_length.json", {**about, "cases": path_length_cases()})
    write("forest.json", {**about, "cases": [forest_case(d) for d in DATASETS]})


if __name__ == "__main__":
    main()
