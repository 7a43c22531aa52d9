"""Writes train.csv and score.csv for the outlier benchmark: N rows (default
10^5) of 20 correlated numeric features each. Seeded.

The features are linear mixes of 5 latent factors plus noise, two of them
exponentiated into skewed amounts and one rounded into counts. score.csv has
the same distribution plus 0.5% injected outliers, half with a few features
pushed 6-10 standard deviations out and half with the correlations broken
(each feature plausible alone), and one extra column, injected (0/1), that
neither detector reads as a feature: it lets the benchmark count what each
flags."""
import sys
import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
out_dir = sys.argv[2] if len(sys.argv) > 2 else "."
d, k = 20, 5
rng = np.random.default_rng(20260105)
mix = rng.normal(size=(k, d))
cols = [f"f{i:02d}" for i in range(d)]


def draw(rows):
    x = rng.normal(size=(rows, k)) @ mix + 0.5 * rng.normal(size=(rows, d))
    return x


def finish(x):
    x = x.copy()
    x[:, 0] = np.exp(3 + 0.5 * x[:, 0])        # skewed amounts
    x[:, 1] = np.exp(1 + 0.3 * x[:, 1])
    x[:, 19] = np.round(np.abs(x[:, 19]) * 2)  # counts with ties
    return x


train = finish(draw(n))
raw = draw(n)
injected = np.zeros(n, dtype=int)
idx = rng.choice(n, size=n // 200, replace=False)
injected[idx] = 1
sd = raw.std(axis=0)
for j, i in enumerate(idx):
    if j % 2 == 0:
        feats = rng.choice(d, size=rng.integers(1, 4), replace=False)
        raw[i, feats] += rng.choice([-1, 1], size=len(feats)) * rng.uniform(6, 10, size=len(feats)) * sd[feats]
    else:
        # each feature from another row: marginals stay ordinary, the joint does not
        raw[i] = raw[rng.integers(0, n, size=d), np.arange(d)]
score = finish(raw)

np.savetxt(f"{out_dir}/train.csv", train, delimiter=",", header=",".join(cols), comments="", fmt="%.6g")
with open(f"{out_dir}/score.csv", "w") as f:
    f.write(",".join(cols) + ",injected\n")
    for row, flag in zip(score, injected):
        f.write(",".join(f"{v:.6g}" for v in row) + f",{flag}\n")
