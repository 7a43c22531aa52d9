package drift_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/internal/shared"
)

// readBikeSharing reads hour.csv from the shared data; the whole file is read
// once so that every month gets the same column types.
func readBikeSharing(t *testing.T) *dataset.Table {
	t.Helper()
	dir := shared.Require(t, "bike-sharing")
	tab, err := dataset.ReadFile(filepath.Join(dir, "hour.csv"), dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func month(t *testing.T, tab *dataset.Table, year int, m time.Month) *dataset.Table {
	t.Helper()
	day := tab.Column("dteday")
	if day == nil || day.Type != dataset.Datetime {
		t.Fatalf("dteday: want a datetime column, got %+v", day)
	}
	return subset(tab, func(i int) bool {
		d := time.Unix(int64(day.Floats[i]), 0).UTC()
		return d.Year() == year && d.Month() == m
	})
}

func drifted(rep *drift.Report) []string {
	var out []string
	for _, c := range rep.Columns {
		if c.DriftDetected {
			out = append(out, c.Column)
		}
	}
	return out
}

// Real seasonal drift: January 2011 against July 2011 moves the weather and
// the rental counts, not the hour of day or the weekday.
func TestBikeSharingSeasonalDrift(t *testing.T) {
	tab := readBikeSharing(t)
	jan, jul := month(t, tab, 2011, time.January), month(t, tab, 2011, time.July)
	rep := compare(t, jan, jul, drift.DefaultOptions())
	got := drifted(rep)
	for _, c := range []string{"temp", "atemp", "hum", "windspeed", "weathersit", "casual", "registered", "cnt"} {
		if !slices.Contains(got, c) {
			t.Errorf("%s not flagged; drifted: %v", c, got)
		}
	}
	for _, c := range []string{"hr", "weekday", "holiday", "workingday"} {
		if slices.Contains(got, c) {
			t.Errorf("%s flagged although it does not move with the season", c)
		}
	}
	if !rep.DatasetDrift {
		t.Error("dataset drift not reported")
	}
}

// A random half of a month against the other half is the same distribution:
// nothing may drift. January 2011 is the gate; every other month is checked
// too, where at most one false alarm in 24 is within the 5% level.
func TestBikeSharingRandomSplitIsStable(t *testing.T) {
	tab := readBikeSharing(t)
	falseAlarms := 0
	for year := 2011; year <= 2012; year++ {
		for m := time.January; m <= time.December; m++ {
			whole := month(t, tab, year, m)
			r := rand.New(rand.NewPCG(uint64(year), uint64(m)))
			half := make([]bool, whole.Rows)
			for i, j := range r.Perm(whole.Rows) {
				half[j] = i < whole.Rows/2
			}
			a := subset(whole, func(i int) bool { return half[i] })
			b := subset(whole, func(i int) bool { return !half[i] })
			rep := compare(t, a, b, drift.DefaultOptions())
			if got := drifted(rep); len(got) > 0 {
				falseAlarms++
				if year == 2011 && m == time.January {
					t.Errorf("January 2011 split in halves flags %v", got)
				}
				t.Logf("%d-%02d split flags %v", year, m, got)
			}
		}
	}
	t.Logf("%d of 24 random month splits flagged drift", falseAlarms)
	if falseAlarms > 1 {
		t.Errorf("%d of 24 random month splits flagged drift", falseAlarms)
	}
}

// The schema changes of a new user's first hour, on real data: July 2011
// without the temperature and with the weather situation written as words
// is read with January's types as hints; the missing and retyped columns
// are findings, and the seasonal drift of the other columns is still found.
func TestBikeSharingSchemaChanges(t *testing.T) {
	dir := shared.Require(t, "bike-sharing")
	raw, err := os.ReadFile(filepath.Join(dir, "hour.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	lines[0] = strings.TrimSpace(lines[0])
	header := strings.Split(lines[0], ",")
	tempAt, weatherAt := slices.Index(header, "temp"), slices.Index(header, "weathersit")
	if tempAt < 0 || weatherAt < 0 {
		t.Fatalf("hour.csv header %q lacks temp or weathersit", lines[0])
	}
	words := map[string]string{"1": "clear", "2": "mist", "3": "light_rain", "4": "heavy_rain"}
	var jan, jul strings.Builder
	jan.WriteString(lines[0] + "\n")
	jul.WriteString(strings.Join(slices.Delete(slices.Clone(header), tempAt, tempAt+1), ",") + "\n")
	for _, line := range lines[1:] {
		line = strings.TrimSpace(line)
		f := strings.Split(line, ",")
		switch {
		case len(f) != len(header):
			continue // the file has a blank line
		case strings.HasPrefix(f[1], "2011-01-"):
			jan.WriteString(line + "\n")
		case strings.HasPrefix(f[1], "2011-07-"):
			f[weatherAt] = words[f[weatherAt]]
			jul.WriteString(strings.Join(slices.Delete(f, tempAt, tempAt+1), ",") + "\n")
		}
	}
	janTable, err := dataset.Read(strings.NewReader(jan.String()), "jan.csv", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := profile(t, janTable)
	julTable, err := dataset.Read(strings.NewReader(jul.String()), "jul.csv", dataset.Options{Hints: ref.Types()})
	if err != nil {
		t.Fatalf("reading July with January's types as hints: %v", err)
	}
	rep, err := drift.Compare(ref, profile(t, julTable), drift.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var findings []string
	for _, f := range rep.Findings {
		findings = append(findings, f.Column+": "+f.Detail)
	}
	for _, want := range []string{
		"temp: column is missing from the current data",
		`weathersit: type changed from numeric in the reference to categorical (line 2: "clear" is not a number)`,
	} {
		if !slices.Contains(findings, want) {
			t.Errorf("no finding %q; findings: %q", want, findings)
		}
	}
	got := drifted(rep)
	for _, c := range []string{"atemp", "hum", "casual", "registered", "cnt"} {
		if !slices.Contains(got, c) {
			t.Errorf("%s not flagged; drifted: %v", c, got)
		}
	}
	if !rep.DatasetDrift {
		t.Error("dataset drift not reported")
	}
}
