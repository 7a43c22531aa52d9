#!/usr/bin/env bash
# Measures sustained HTTP ingest of `warden serve` with the load generator
# (scripts/bench/loadgen) in another process, then runs the lab's per-event
# monitor (../shared/baselines/realtime_monitor.py) on the same kind of data,
# and prints markdown for docs/ingest-benchmark.md.
#
#   scripts/bench/ingest.sh                     # 2M events, a quick run
#   EVENTS=10000000 scripts/bench/ingest.sh     # the full run
#   PERF=1 scripts/bench/ingest.sh              # also profile the server with perf
#   DRIFT_OFF=1 scripts/bench/ingest.sh         # and again with detection off: the ingest path alone
#
# Settings: EVENTS (2000000), BATCH (1000), CONNS (4), DISTINCT (100
# batches, as many again drifted), BASELINE_EVENTS (2000), PERF (0), OUT (a
# directory that keeps the JSON summary with every RSS sample, the server's
# log and perf.data; by default they go with the temporary directory).
# Needs: Go; apt-get install -y python3-pandas python3-scipy; linux-perf for PERF=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
baseline="$root/../shared/baselines/realtime_monitor.py"
events=${EVENTS:-2000000}
batch=${BATCH:-1000}
conns=${CONNS:-4}
distinct=${DISTINCT:-100}
baseline_events=${BASELINE_EVENTS:-2000}
work=$(mktemp -d)
out=${OUT:-$work}
mkdir -p "$out"
server=""
stop_server() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# The commit being built, for the record: the tree may move during a long run.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- cmd server pipeline event store drift stats monitor config alert 2>/dev/null ||
  commit="$commit with uncommitted changes"
go build -o "$work/warden" ./cmd/warden
go build -o "$work/loadgen" ./scripts/bench/loadgen
"$work/loadgen" -write-reference "$work/reference.csv" -rows 10000
"$work/loadgen" -write-csv "$work/events.csv" -rows "$baseline_events" -drift-at 0.5

# run_load NAME DRIFT_ON LOADGEN_FLAGS...: a fresh server and store, the
# model registered, one loadgen run; NAME.md, NAME.json and NAME.server.log
# land in $out.
run_load() {
  local name=$1 drift_on=$2
  shift 2
  rm -rf "$work/data"
  "$work/warden" serve --addr 127.0.0.1:0 --data "$work/data" 2>"$out/$name.server.log" &
  server=$!
  local url=""
  for _ in $(seq 100); do
    url=$(grep -o 'listening on http://[0-9.:]*' "$out/$name.server.log" | cut -d' ' -f3 || true)
    [ -n "$url" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "warden serve did not start:" >&2
    cat "$out/$name.server.log" >&2
    exit 1
  fi
  local off=()
  [ "$drift_on" = 1 ] || off=(-register-drift-off)
  "$work/loadgen" -url "$url" -register "$work/reference.csv" "${off[@]}"
  "$work/loadgen" -url "$url" -pid "$server" -events "$events" -batch "$batch" -conns "$conns" \
    -distinct "$distinct" -json "$out/$name.json" "$@" >"$out/$name.md"
  stop_server
}

perf_args=()
if [ "${PERF:-0}" = 1 ]; then
  perf_args=(-perf "$out/perf.data")
fi
run_load ingest 1 "${perf_args[@]}"
load_during=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "${DRIFT_OFF:-0}" = 1 ]; then
  run_load ingest-drift-off 0 -drift-at -1
fi

baseline_line=$(cd "$root/../shared/baselines" &&
  /usr/bin/python3 "$baseline" "$work/reference.csv" "$work/events.csv" "$baseline_events")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The figures the tables need, from the loadgen's JSON summary and the
# baseline's one line ("N events in Xs: R events/s, W windows with drift").
read -r warden_rate p99 deciles settle windows end_to_end < <(/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(round(s["events_per_sec"]), s["batch_latency_ms"]["p99"], "/".join("%.0f" % d for d in s["server_rss"]["deciles_mib"]),
      "%.1f" % s["settle_seconds"], s["drift_windows"], round(s["end_to_end_events_per_sec"]))
' "$out/ingest.json")
baseline_rate=$(sed -n 's/.*: \([0-9.]*\) events\/s.*/\1/p' <<<"$baseline_line")

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go env GOVERSION), $(/usr/bin/python3 -c 'import pandas, scipy; print("pandas", pandas.__version__, "scipy", scipy.__version__)')."
echo "Warden built from commit $commit."
echo "Load average (1/5/15 min): before $load_before, after the ingest run $load_during, after the baseline $load_after."
echo
echo "### warden serve, $events events"
echo
cat "$out/ingest.md"
if [ "${DRIFT_OFF:-0}" = 1 ]; then
  echo
  echo "Detection off (the same events without drift, the model registered with drift and outlier screening disabled):"
  echo
  cat "$out/ingest-drift-off.md"
fi
echo
echo "Server RSS (MiB) at each tenth of the events: $deciles."
echo "After the last 202 the server took $settle s more to evaluate its backlog ($windows drift windows in all): $end_to_end events/s end to end."
for log in "$out"/ingest*.server.log; do
  errors=$(grep -c 'level=ERROR' "$log" || true)
  if [ "$errors" -gt 0 ]; then
    echo "The server logged $errors errors in $(basename "$log" .server.log), the first: \`$(grep -m1 'level=ERROR' "$log" | cut -d' ' -f2-)\`."
  fi
done
echo
echo "### Beside the lab's per-event monitor"
echo
echo "| design | events | events/s | ratio |"
echo "|---|---:|---:|---:|"
printf '| warden serve: HTTP NDJSON batches of %d over %d connections, drift and outlier screening on, durable log | %d | %d | %.0fx |\n' \
  "$batch" "$conns" "$events" "$warden_rate" "$(echo "$warden_rate / $baseline_rate" | bc -l)"
printf '| lab realtime_monitor.py: one event at a time, DataFrame + 20 KS tests per event | %d | %s | 1x |\n' \
  "$baseline_events" "$baseline_rate"
echo
echo "Baseline output: \`$baseline_line\`"
echo "warden serve batch p99: $p99 ms."

if [ "${PERF:-0}" = 1 ]; then
  # Symbols only: perf appends empty columns for the sort keys it was not asked for.
  report() { perf report -i "$out/perf.data" --stdio -g none --sort symbol --percent-limit 1 "$@" 2>/dev/null; }
  echo
  echo "### Where the server spends its CPU (perf record -g at 499 Hz during the load)"
  echo
  echo "Self time, top symbols:"
  echo
  echo '```'
  report --no-children | awk '/^ +[0-9.]+%/ {print $1, $2, $3}' | head -30
  echo '```'
  echo
  echo "Inclusive time (with callees), Warden's functions:"
  echo
  echo '```'
  report --children | awk '/^ +[0-9.]+%/ && $4 ~ /warden-ml/ {print $1, $2, $4}' | head -40
  echo '```'
fi
