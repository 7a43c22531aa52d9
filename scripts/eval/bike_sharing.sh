#!/usr/bin/env bash
# Real seasonal drift on the UCI bike-sharing data (../shared/data/bike-sharing):
# January 2011 against July 2011 with `warden drift`, and the calibration and
# random-split checks of the drift package's tests, for docs/detection.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=../shared/data/bike-sharing/hour.csv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/warden" ./cmd/warden
head -1 "$data" > "$work/jan.csv"; cp "$work/jan.csv" "$work/jul.csv"
awk -F, 'NR>1 && $2 ~ /^2011-01-/' "$data" >> "$work/jan.csv"
awk -F, 'NR>1 && $2 ~ /^2011-07-/' "$data" >> "$work/jul.csv"
echo '## January 2011 against July 2011'
echo '```'
"$work/warden" drift --reference "$work/jan.csv" --current "$work/jul.csv" || [ $? -eq 1 ]
echo '```'
echo
echo '## Calibration and random splits'
echo '```'
go test -count=1 -run 'TestCalibrationWithoutDrift|TestBikeSharingRandomSplitIsStable' -v ./drift | grep -E 'calibration_test|bikesharing_test|^(---|ok|FAIL)'
echo '```'
