#!/usr/bin/env bash
# The outlier detector on the labelled ODDS sets (../shared/data/outlier),
# beside the lab's baseline (StandardScaler + scikit-learn IsolationForest,
# ../shared/baselines/iforest.py) on exactly the same splits, for
# docs/detection.md. Extra arguments (say -seeds 1,2,3,4,5) go to
# scripts/eval/odds, which computes every figure, the baseline's included.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=../shared/data/outlier
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/odds" ./scripts/eval/odds
"$work/odds" -data "$data" -write "$work" "$@"
for train in "$work"/*-train.csv; do
	split=${train%-train.csv}
	/usr/bin/python3 ../shared/baselines/iforest.py "$train" "$split-score.csv" >"$split-baseline.jsonl" 2>/dev/null
done
"$work/odds" -data "$data" -baseline "$work" "$@"
