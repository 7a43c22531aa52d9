#!/usr/bin/env bash
# Times `warden drift` beside the lab's pandas + scipy baseline
# (../shared/baselines/drift_ks.py) on the same files, 10 numeric columns at
# 10^4, 10^5 and 10^6 rows, and prints a markdown table for docs/benchmarks.md.
# Needs: apt-get install -y python3-pandas python3-scipy
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
baseline="$root/../shared/baselines/drift_ks.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/warden" ./cmd/warden
reps=${REPS:-3}

# best-of-$reps wall time of a command, in seconds
best() {
  local best=""
  for _ in $(seq "$reps"); do
    local s e
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || [ $? -eq 1 ]; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.3f' "$best"
}

echo "| rows x 10 numeric columns | warden drift (s) | pandas + scipy drift_ks.py (s) | speed-up |"
echo "|---|---|---|---|"
for n in 10000 100000 1000000; do
  mkdir -p "$work/$n"
  /usr/bin/python3 scripts/bench/gen_numeric.py "$n" "$work/$n"
  w=$(best "$work/warden" drift --reference "$work/$n/reference.csv" --current "$work/$n/current.csv" --format json)
  p=$(best /usr/bin/python3 "$baseline" "$work/$n/reference.csv" "$work/$n/current.csv")
  printf '| %s | %s | %s | %.1fx |\n' "$n" "$w" "$p" "$(echo "$p / $w" | bc -l)"
done
