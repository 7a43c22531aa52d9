#!/usr/bin/env bash
# Times Warden's outlier detector beside scikit-learn's IsolationForest (the
# lab's detector) on the same files in one run, and prints a markdown table
# for docs/benchmarks.md:
#   - in process (scripts/bench/outliersbench and outliers_sklearn.py): forest
#     fit, whole detector fit, batch scoring on one core, one-input latency;
#   - end to end: `warden outliers` against ../shared/baselines/iforest.py on
#     the same TRAIN/SCORE CSVs, best-of-$REPS wall time, and what each flags.
# Data: scripts/bench/gen_outliers.py, N rows (default 10^5) x 20 correlated
# numeric features, 0.5% injected outliers in SCORE.
# Needs: apt-get install -y python3-pandas python3-sklearn bc
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
baseline="$root/../shared/baselines/iforest.py"
py=/usr/bin/python3
rows=${ROWS:-100000}
reps=${REPS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The baselines are single-threaded; keep numpy's BLAS from taking more cores
# (nproc would obey this too, hence getconf below).
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

go build -o "$work/warden" ./cmd/warden
go build -o "$work/outliersbench" ./scripts/bench/outliersbench
"$py" scripts/bench/gen_outliers.py "$rows" "$work"
train="$work/train.csv" score="$work/score.csv"

# best-of-$reps wall time of a command whose stdout goes to $out, in seconds;
# exit status 1 (anomalies found) is a normal run.
best() {
  local out=$1 n=$2 b="" rc
  shift 2
  for _ in $(seq "$n"); do
    local s e t
    s=$(date +%s.%N)
    "$@" >"$out" 2>"$work/stderr" || {
      rc=$?
      if [ "$rc" -ne 1 ]; then cat "$work/stderr" >&2; echo "$1 failed: exit $rc" >&2; exit 1; fi
    }
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  printf '%.3f' "$b"
}

"$work/outliersbench" -train "$train" -score "$score" -reps "$reps" >"$work/warden.json"
"$py" scripts/bench/outliers_sklearn.py "$train" "$score" --reps "$reps" >"$work/sklearn.json"
w_e2e=$(best "$work/warden.jsonl" "$reps" "$work/warden" outliers --train "$train" --score "$score")
p_e2e=$(best "$work/iforest.jsonl" "$(( (reps + 1) / 2 ))" "$py" "$baseline" "$train" "$score")

"$py" - "$work" "$w_e2e" "$p_e2e" "$(getconf _NPROCESSORS_ONLN)" <<'EOF'
import json, sys
work, w_e2e, p_e2e, cores = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
w = json.load(open(f"{work}/warden.json"))
s = json.load(open(f"{work}/sklearn.json"))

def flagged(path):
    return [json.loads(l)["anomaly"] for l in open(path)]

injected = [l.rstrip("\n").rsplit(",", 1)[1] == "1" for l in list(open(f"{work}/score.csv"))[1:]]

def quality(path):
    f = flagged(path)
    caught = sum(a and b for a, b in zip(f, injected))
    false = sum(a and not b for a, b in zip(f, injected))
    return f"{sum(f):,} flagged: {caught} of {sum(injected)} injected, {false:,} of {len(f) - sum(injected):,} clean rows"

def secs(x): return f"{x:.3f} s"
def rate(x): return f"{x:,.0f} rows/s"
def us(x): return f"{x:,.1f} µs"

n, m, d = w["TrainRows"], w["ScoreRows"], w["Features"]
rows = [
    ("isolation forest fit (100 trees of 256), one core", secs(w["forest_fit_1core_s"]), secs(s["forest_fit_s"]), s["forest_fit_s"] / w["forest_fit_1core_s"], "≤ 0.5 s"),
    ("whole detector fit, one core (Warden: 5 detectors + calibration; sklearn: the lab's scaler + forest + contamination threshold)", secs(w["detector_fit_1core_s"]), secs(s["lab_fit_s"]), s["lab_fit_s"] / w["detector_fit_1core_s"], "≤ 2 s"),
    ("isolation forest batch scoring, one core", rate(w["forest_score_rows_per_s_1core"]), rate(s["forest_score_rows_per_s"]), w["forest_score_rows_per_s_1core"] / s["forest_score_rows_per_s"], "≥ 300,000 rows/s"),
    ("whole verdict batch scoring, one core (sklearn: the lab's transform, predict, decision_function, range checks)", rate(w["detector_score_rows_per_s_1core"]), rate(s["lab_score_rows_per_s"]), w["detector_score_rows_per_s_1core"] / s["lab_score_rows_per_s"], ""),
    ("one input through the whole verdict, p50 (sklearn: transform + predict of one row)", us(w["verdict_p50_us"]), us(s["one_row_p50_us"]), s["one_row_p50_us"] / w["verdict_p50_us"], ""),
    ("one input through the whole verdict, p99", us(w["verdict_p99_us"]), us(s["one_row_p99_us"]), s["one_row_p99_us"] / w["verdict_p99_us"], "≤ 20 µs"),
    (f"`warden outliers` vs `iforest.py`, end to end, {cores} cores, best wall time", secs(w_e2e), secs(p_e2e), p_e2e / w_e2e, "≥ 5x"),
]
print(f"{n:,} training rows x {d} numeric features, {m:,} rows scored; scikit-learn {s['sklearn']}; "
      f"Warden p99.9 {w['verdict_p999_us']:,.1f} µs; sklearn one-row figures from {s['one_row_calls']:,} calls\n")
print("| measure | Warden | scikit-learn | Warden's advantage | goal |")
print("|---|---:|---:|---:|---|")
for name, a, b, r, goal in rows:
    print(f"| {name} | {a} | {b} | {r:,.1f}x | {goal} |")
print()
print(f"- `warden outliers`: {quality(f'{work}/warden.jsonl')}")
print(f"- `iforest.py`: {quality(f'{work}/iforest.jsonl')}")
EOF
