"""Writes reference and current CSVs of N rows x 10 numeric columns for the
drift benchmark; the current data has a shift in two columns. Seeded."""
import sys
import numpy as np

n, out_dir = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(42)
cols = [f"f{i}" for i in range(10)]
for name, shift in (("reference", 0.0), ("current", 0.3)):
    data = rng.normal(size=(n, 10))
    data[:, 0] = np.exp(data[:, 0] + 5)          # a log-normal amount
    data[:, 1] += shift                           # drifted
    data[:, 2] *= 1 + shift                       # drifted
    data[:, 9] = np.round(rng.poisson(3, n))      # counts with ties
    np.savetxt(f"{out_dir}/{name}.csv", data, delimiter=",", header=",".join(cols), comments="", fmt="%.6g")
