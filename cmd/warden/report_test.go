package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// hourlyFixture writes a reference of a month of hourly rows and a month of
// hourly events whose temperature has moved well outside it, for two
// models: "screened" (outlier screening on) and "plain" (off).
func hourlyFixture(t *testing.T) (cfg, events string, start time.Time, n int) {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(9, 9))
	var ref strings.Builder
	ref.WriteString("hr,temp,rides\n")
	for i := range 720 {
		fmt.Fprintf(&ref, "%d,%.3f,%d\n", i%24, 0.2+0.05*rng.NormFloat64(), 40+rng.IntN(20))
	}
	writeFile(t, dir, "reference.csv", ref.String())
	start = time.Date(2011, 7, 1, 0, 0, 0, 0, time.UTC)
	n = 744
	var ev strings.Builder
	for _, model := range []string{"screened", "plain"} {
		for i := range n {
			fmt.Fprintf(&ev, `{"id":"%s-%d","model":"%s","user":"u%d","time":"%s","features":{"hr":%d,"temp":%.3f,"rides":%d}}`+"\n",
				model, i, model, i%5, start.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), i%24, 0.75+0.05*rng.NormFloat64(), 40+rng.IntN(20))
		}
	}
	events = writeFile(t, dir, "events.jsonl", ev.String())
	cfg = writeFile(t, dir, "warden.yaml", `models:
  - name: screened
    reference: reference.csv
  - name: plain
    reference: reference.csv
    outliers: {enabled: false}
`)
	return cfg, events, start, n
}

// The report counts the events of its period by event time, keeps drift
// that is still there at the latest evaluation however long ago it was
// alerted, and says "not monitored" for a detector that is off.
func TestReportPeriodOfAnHourlyStream(t *testing.T) {
	cfg, events, start, n := hourlyFixture(t)
	svc := startService(t, filepath.Join(t.TempDir(), "data"), "--config", cfg)
	body, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	if code, raw := svc.do(t, "POST", "/v1/events", "application/x-ndjson", body); code != 202 {
		t.Fatalf("events: %d %s", code, raw)
	}
	// The event-time clock is the third latest of the recent users' times
	// (pipeline.Watermark), so the last three events' minutes stay open
	// and the period ends with the minute of the fourth last.
	last := start.Add(time.Duration(n-4) * time.Hour)
	to := last.Add(time.Minute)
	deadline := time.Now().Add(time.Minute)
	for {
		code, raw := svc.do(t, "GET", "/v1/report?model=plain", "", nil)
		var rep struct {
			To time.Time `json:"to"`
		}
		if code == 200 && json.Unmarshal(raw, &rep) == nil && rep.To.Equal(to) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the report never reached %s: %d %s", to, code, raw)
		}
		time.Sleep(50 * time.Millisecond)
	}

	tests := []struct {
		args     []string
		code     int
		want     []string
		unwanted []string
	}{
		{[]string{"--model", "plain"}, 1, []string{
			"Period: Last 24 hours (2011-07-30 20:01 to 2011-07-31 20:01 UTC)   Model: plain",
			"Events monitored: 24\n",
			"CRITICAL: Feature 'temp' drift detected",
			"Still found at the latest evaluation; last alerted before this period",
			"ADVERSARIAL INPUTS\n------------------\nNot monitored",
			"1. Investigate drift in temp now",
		}, []string{"No action needed", "DRIFT DETECTION\n---------------\nNo findings"}},
		{[]string{"--model", "plain", "--since", "7d"}, 1, []string{"Events monitored: 168\n"}, nil},
		{[]string{"--model", "screened"}, 1, []string{
			"Events monitored: 24\n",
			"Anomalies Detected: 24 of 24 inputs (100.00%)",
			"No user stands out from the rest of the traffic",
		}, []string{"Not monitored\n\nEXTRACTION"}},
		{nil, 1, []string{"Events monitored: 48\n", "Model: plain, screened"}, nil},
	}
	for _, tc := range tests {
		r := warden(t, append([]string{"report", "--server", svc.base}, tc.args...)...)
		if r.code != tc.code {
			t.Errorf("report %v: exit %d, want %d: %s", tc.args, r.code, tc.code, r.stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("report %v lacks %q:\n%s", tc.args, w, r.stdout)
			}
		}
		for _, u := range tc.unwanted {
			if strings.Contains(r.stdout, u) {
				t.Errorf("report %v has %q:\n%s", tc.args, u, r.stdout)
			}
		}
	}
}

// Without a store or a service to read, report says where it looked and
// what to give instead.
func TestReportWithoutStore(t *testing.T) {
	dir := t.TempDir()
	r := warden(t, "report", "--data", dir)
	if r.code != exitUsage || !strings.Contains(r.stderr, "no Warden store in "+dir) || !strings.Contains(r.stderr, "--server URL") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	if r := warden(t, "report", "--since", "soon"); r.code != exitUsage || !strings.Contains(r.stderr, "want a duration such as 24h or 7d") {
		t.Errorf("--since soon: exit %d: %s", r.code, r.stderr)
	}
}

// Events that name no user are one user's traffic: the service follows
// their clock from the first event, and the report counts them.
func TestReportOfAnonymousStream(t *testing.T) {
	cfg, events, start, n := hourlyFixture(t)
	raw, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	anonymous := regexp.MustCompile(`"user":"u[0-9]+",`).ReplaceAll(raw, nil)
	svc := startService(t, filepath.Join(t.TempDir(), "data"), "--config", cfg)
	if code, body := svc.do(t, "POST", "/v1/events", "application/x-ndjson", anonymous); code != 202 {
		t.Fatalf("events: %d %s", code, body)
	}
	// The last event's minute stays open, as with named users.
	to := start.Add(time.Duration(n-2)*time.Hour + time.Minute)
	deadline := time.Now().Add(time.Minute)
	for {
		code, raw := svc.do(t, "GET", "/v1/report?model=plain", "", nil)
		var rep struct {
			To     time.Time `json:"to"`
			Events int       `json:"events"`
		}
		if code == 200 && json.Unmarshal(raw, &rep) == nil && rep.To.Equal(to) && rep.Events == 24 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the report of an anonymous stream never reached %s with 24 events: %d %s", to, code, raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
