"""scikit-learn's side of scripts/bench/outliers.sh: times the lab's detector
(StandardScaler + IsolationForest(n_estimators=100, contamination=0.01,
random_state=42), as ../shared/baselines/iforest.py builds it) in process on
TRAIN.csv and SCORE.csv and prints one JSON object of figures:

  read_s                  pandas.read_csv of both files
  forest_fit_s            IsolationForest(contamination="auto").fit: the trees alone
  lab_fit_s               scaler fit + the lab's IsolationForest fit, which also
                          scores TRAIN to place the contamination threshold
  forest_score_rows_per_s score_samples on the scaled SCORE rows
  lab_score_rows_per_s    the lab's batch verdict: transform, predict,
                          decision_function and the min/max range checks
  one_row_p50_us, one_row_p99_us
                          one input through transform + predict, single calls

Each time is the best of --reps runs; the percentiles come from --latency
single calls. Run it on one core (OMP_NUM_THREADS=1 and n_jobs=1, as here).

usage: outliers_sklearn.py TRAIN.csv SCORE.csv [--reps N] [--latency N]
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.preprocessing import StandardScaler


def best(reps, f):
    t = float("inf")
    out = None
    for _ in range(reps):
        s = time.perf_counter()
        out = f()
        t = min(t, time.perf_counter() - s)
    return t, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("score")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--latency", type=int, default=2000)
    a = ap.parse_args()

    def read():
        train = pd.read_csv(a.train)
        score = pd.read_csv(a.score)
        return train, score

    read_s, (train, score) = best(a.reps, read)
    X = train.values.astype(float)
    Y = score[train.columns].values.astype(float)

    def lab_fit():
        sc = StandardScaler().fit(X)
        forest = IsolationForest(contamination=0.01, random_state=42, n_estimators=100, n_jobs=1).fit(sc.transform(X))
        return sc, forest

    lab_fit_s, (sc, forest) = best(a.reps, lab_fit)
    Xs, Ys = sc.transform(X), sc.transform(Y)
    forest_fit_s, trees = best(a.reps, lambda: IsolationForest(random_state=42, n_estimators=100, n_jobs=1).fit(Xs))

    forest_score_s, _ = best(a.reps, lambda: trees.score_samples(Ys))
    lo, hi = X.min(axis=0), X.max(axis=0)

    def lab_score():
        ys = sc.transform(Y)
        pred = forest.predict(ys)
        dec = forest.decision_function(ys)
        return (pred == -1) | (Y < lo).any(axis=1) | (Y > hi).any(axis=1), dec

    lab_score_s, _ = best(a.reps, lab_score)

    n = min(a.latency, len(Y))
    for i in range(min(50, n)):  # warm up
        forest.predict(sc.transform(Y[i:i + 1]))
    lat = np.empty(n)
    for i in range(n):
        s = time.perf_counter()
        forest.predict(sc.transform(Y[i:i + 1]))
        lat[i] = time.perf_counter() - s
    lat.sort()

    print(json.dumps({
        "sklearn": sklearn.__version__,
        "rows_train": len(X), "rows_score": len(Y), "features": X.shape[1],
        "read_s": read_s,
        "forest_fit_s": forest_fit_s,
        "lab_fit_s": lab_fit_s,
        "forest_score_rows_per_s": len(Y) / forest_score_s,
        "lab_score_rows_per_s": len(Y) / lab_score_s,
        "one_row_p50_us": lat[int(0.50 * (n - 1))] * 1e6,
        "one_row_p99_us": lat[int(0.99 * (n - 1))] * 1e6,
        "one_row_calls": n,
    }, indent=2))


if __name__ == "__main__":
    main()
