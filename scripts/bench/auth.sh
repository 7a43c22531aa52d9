#!/usr/bin/env bash
# Measures what authentication costs ingest: interleaved runs of the load
# generator against `warden serve` without tokens and with one (the same
# events, a fresh store each run), and the median and spread of the paired
# differences in events/s, as markdown for docs/benchmarks.md.
#
#   scripts/bench/auth.sh                  # 5 pairs of 500,000 events, detection on
#   RUNS=9 EVENTS=1000000 scripts/bench/auth.sh
#   DRIFT_OFF=1 scripts/bench/auth.sh      # detection off: the ingest path alone
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-5}
events=${EVENTS:-500000}
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/warden" ./cmd/warden
go build -o "$work/loadgen" ./scripts/bench/loadgen
"$work/loadgen" -write-reference "$work/reference.csv" -rows 10000
token=wdn_bench-token-0123456789abcdef
printf 'auth:\n  tokens:\n    - {name: bench, sha256: %s, roles: [ingest, read, admin]}\n' \
  "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" >"$work/auth.yaml"
printf 'server: {}\n' >"$work/open.yaml"
off=()
[ "${DRIFT_OFF:-0}" = 1 ] && off=(-register-drift-off)

# one MODE: a fresh server, the model registered, one load; prints events/s.
one() {
  local mode=$1 cfg=$work/open.yaml tok=""
  if [ "$mode" = on ]; then cfg=$work/auth.yaml tok=$token; fi
  rm -rf "$work/data"
  "$work/warden" serve --config "$cfg" --addr 127.0.0.1:0 --data "$work/data" 2>"$work/server.log" &
  server=$!
  local url=""
  for _ in $(seq 100); do
    url=$(grep -o 'listening on http://[0-9.:]*' "$work/server.log" | cut -d' ' -f3 || true)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$work/server.log" >&2; exit 1; }
  WARDEN_TOKEN=$tok "$work/loadgen" -url "$url" -register "$work/reference.csv" "${off[@]}"
  WARDEN_TOKEN=$tok "$work/loadgen" -url "$url" -pid "$server" -events "$events" -format json -settle 1s >"$work/run.json" 2>/dev/null
  kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""
  /usr/bin/python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["events_per_sec"]))' "$work/run.json"
}

pairs=()
for i in $(seq "$runs"); do
  # Alternate which goes first, so that drift in the machine's load
  # falls on both alike.
  if [ $((i % 2)) = 1 ]; then a=$(one off); b=$(one on); else b=$(one on); a=$(one off); fi
  echo "run $i: without tokens $a events/s, with a token $b events/s" >&2
  pairs+=("$a $b")
done
printf '%s\n' "${pairs[@]}" | /usr/bin/python3 -c '
import statistics, sys
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
diffs = [100 * (b - a) / a for a, b in rows]
print("| run | without tokens (events/s) | with a token (events/s) | difference |")
print("|---|---|---|---|")
for i, ((a, b), d) in enumerate(zip(rows, diffs), 1):
    print(f"| {i} | {a:,.0f} | {b:,.0f} | {d:+.1f}% |")
q = statistics.quantiles(diffs, n=4) if len(diffs) > 1 else [diffs[0]] * 3
print()
print(f"Median difference {statistics.median(diffs):+.1f}% (quartiles {q[0]:+.1f}% to {q[2]:+.1f}%), over {len(rows)} interleaved pairs.")
'
