#!/usr/bin/env bash
# Runs the fault suite (cmd/warden/faults_test.go) against the binary at a
# chosen scale and prints each fault's outcome and time, as markdown for
# docs/reliability.md. Needs root (the disk-full fault mounts tmpfs).
#
#   scripts/faults.sh                               # 300,000 events, 30 kills
#   EVENTS=20000 KILLS=21 scripts/faults.sh         # CI's small scale
set -euo pipefail
cd "$(dirname "$0")/.."
events=${EVENTS:-300000}
kills=${KILLS:-30}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
set +e
WARDEN_FAULT_EVENTS=$events WARDEN_FAULT_KILLS=$kills WARDEN_WAIT=10m \
  go test -count=1 -timeout 60m -run '^TestFault' -v ./cmd/warden >"$log" 2>&1
status=$?
set -e
took=$(( $(date +%s) - start ))
echo "Fault suite: $events events, $kills kills; $(nproc) cores; $(date -u +%Y-%m-%d); ${took}s in all"
echo
echo "| fault | outcome | time |"
echo "|---|---|---|"
grep -E '^    --- (PASS|FAIL)|^--- (PASS|FAIL)' "$log" | sed -E 's/^ *--- (PASS|FAIL): ([^ ]+) \((.*)\)/| \2 | \1 | \3 |/'
echo
grep -E 'faults_test.go:[0-9]+: [0-9]+ kills' "$log" | sed -E 's/.*faults_test.go:[0-9]+: /Kills: /' || true
if [ "$status" -ne 0 ]; then
  grep -E '_test[.]go' "$log" | head -40
  exit "$status"
fi
