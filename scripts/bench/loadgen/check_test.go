package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const metricsText = `# HELP warden_drift_windows_total Drift windows evaluated, by model.
# TYPE warden_drift_windows_total counter
warden_drift_windows_total{model="bench"} 19990
warden_drift_windows_total{model="bench2"} 7
warden_drift_windows_total{model="benchmark"} 3
warden_ingest_throttled_total 12
warden_go_seconds 1.5e+09
`

func TestParseCounter(t *testing.T) {
	tests := []struct {
		name, text, series string
		want               float64
		wantErr            string
	}{
		{"labelled", metricsText, `warden_drift_windows_total{model="bench"}`, 19990, ""},
		{"not a prefix of a longer label", metricsText, `warden_drift_windows_total{model="bench2"}`, 7, ""},
		{"plain", metricsText, "warden_ingest_throttled_total", 12, ""},
		{"exponent", metricsText, "warden_go_seconds", 1.5e9, ""},
		{"absent is zero", metricsText, `warden_drift_windows_total{model="other"}`, 0, ""},
		{"name prefix does not match", "warden_ingest_throttled_totals 5\n", "warden_ingest_throttled_total", 0, ""},
		{"no value", "x \n", "x", 0, "line 1: x: no value"},
		{"bad value", "x{a=\"b\"} lots\n", `x{a="b"}`, 0, `line 1: x{a="b"}: want a number, got "lots"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCounter([]byte(tc.text), tc.series)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %g, %v; want %g", got, err, tc.want)
			}
		})
	}
}

func FuzzParseCounter(f *testing.F) {
	f.Add([]byte(metricsText), `warden_drift_windows_total{model="bench"}`)
	f.Add([]byte("a 1\na 2\n"), "a")
	f.Add([]byte("a \n"), "a")
	f.Fuzz(func(t *testing.T, text []byte, series string) {
		parseCounter(text, series)
	})
}

// A server whose window count rises for a while and then stops short of
// what was asked: settle must wait for it and then give up on its own.
func TestSettle(t *testing.T) {
	tests := []struct {
		name     string
		final    int
		want     float64
		limit    time.Duration
		wantDone int
	}{
		{"reaches the count", 5, 5, time.Minute, 5},
		{"stops short", 3, 100, time.Minute, 3},
		{"time limit", 1000, 1000, 300 * time.Millisecond, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var polls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := min(int(polls.Add(1)), tc.final)
				fmt.Fprintf(w, "warden_drift_windows_total{model=\"m\"} %d\n", n)
			}))
			defer srv.Close()
			got, _, err := settle(context.Background(), srv.Client(), srv.URL, "m", tc.want, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantDone >= 0 && got != float64(tc.wantDone) {
				t.Errorf("settled at %g windows, want %d", got, tc.wantDone)
			}
			if tc.wantDone < 0 && got >= float64(tc.final) {
				t.Errorf("settled at %g windows, want the time limit to stop it early", got)
			}
		})
	}
}

func TestCheckAlerts(t *testing.T) {
	change := time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)
	alerts := `[
	  {"id":"a","time":"2026-01-01T00:00:30Z","type":"drift","model":"m","subject":"f3"},
	  {"id":"b","time":"2026-01-01T00:01:30Z","type":"drift","model":"m","subject":"f1"},
	  {"id":"c","time":"2026-01-01T00:02:30Z","type":"drift","model":"m","subject":"f1"},
	  {"id":"d","time":"2026-01-01T00:01:00Z","type":"drift","model":"m","subject":"f0"}
	]`
	var query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		io.WriteString(w, alerts)
	}))
	defer srv.Close()
	got, err := checkAlerts(context.Background(), srv.Client(), srv.URL, "m", change)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 4 || got.FalseAlarms != 1 || !slices.Equal(got.Subjects, []string{"f0", "f1", "f3"}) {
		t.Errorf("got %+v", got)
	}
	for _, want := range []string{"model=m", "type=drift", "limit=10000"} {
		if !strings.Contains(query, want) {
			t.Errorf("query %q lacks %s", query, want)
		}
	}
}

func TestCheckAlertsErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr string
	}{
		{"not found", http.StatusNotFound, `{"error":"no model"}`, "404 Not Found"},
		{"not JSON", http.StatusOK, `<html>`, "alerts:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := checkAlerts(context.Background(), srv.Client(), srv.URL, "m", time.Time{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"defaults", nil, ""},
		{"full run", []string{"-events", "10000000", "-conns", "8", "-pid", "1", "-perf", "x.data"}, ""},
		{"no drift", []string{"-drift-at", "-1"}, ""},
		{"events not a multiple", []string{"-events", "1500"}, "multiple of -batch 1000"},
		{"zero batch", []string{"-batch", "0"}, "-batch 0"},
		{"too many events for the ids", []string{"-events", "1000000000000"}, "width of event ids"},
		{"drift at the end", []string{"-drift-at", "1"}, "-drift-at 1"},
		{"zipf", []string{"-zipf", "1"}, "-zipf 1"},
		{"bad start", []string{"-start", "yesterday"}, `-start "yesterday"`},
		{"perf without pid", []string{"-perf", "x"}, "-perf needs -pid"},
		{"bad url", []string{"-url", "127.0.0.1:8080"}, "want http://HOST:PORT"},
		{"bad format", []string{"-format", "csv"}, "-format"},
		{"centuries of event time", []string{"-events", "100000000000", "-step", "1h"}, "100 years"},
		{"stray argument", []string{"now"}, "unexpected arguments"},
		{"several at once", []string{"-conns", "0", "-users", "1"}, "-users 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.DriftAt >= 0 && c.driftAtEvent%int64(c.Batch) != 0 {
				t.Errorf("drift starts at event %d, inside a batch", c.driftAtEvent)
			}
		})
	}
}

func TestDispatchWritesFiles(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		args  []string
		file  string
		lines int
	}{
		{"reference", []string{"-write-reference", dir + "/ref.csv", "-rows", "50"}, "ref.csv", 51},
		{"baseline events", []string{"-write-csv", dir + "/events.csv", "-rows", "40", "-drift-at", "0.5"}, "events.csv", 41},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFlags(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var stdout bytes.Buffer
			if err := dispatch(context.Background(), c, &stdout, io.Discard); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			if len(lines) != tc.lines || !strings.HasPrefix(lines[0], "f0,f1,") || stdout.Len() != 0 {
				t.Errorf("%d lines, header %q, stdout %q", len(lines), lines[0], stdout.String())
			}
		})
	}
	// The baseline's events are a new sample, not the reference again.
	ref, _ := os.ReadFile(filepath.Join(dir, "ref.csv"))
	events, _ := os.ReadFile(filepath.Join(dir, "events.csv"))
	if bytes.Equal(ref[:200], events[:200]) {
		t.Error("events.csv starts like ref.csv: same seed")
	}
	if err := dispatch(context.Background(), &settings{WriteRef: filepath.Join(dir, "absent", "x.csv"), Rows: 1}, io.Discard, io.Discard); err == nil {
		t.Error("writing into a missing directory: no error")
	}
}

func TestWriteJSON(t *testing.T) {
	s := &summary{Events: 5, Samples: []sample{{Seconds: 1, Events: 5, RSSKiB: 1024}}}
	tests := []struct {
		withSamples bool
		want        string
	}{
		{true, `"rss_samples"`},
		{false, `"events": 5`},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		if err := writeJSON(&b, s, tc.withSamples); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) || strings.Contains(b.String(), "rss_samples") != tc.withSamples {
			t.Errorf("withSamples %v:\n%s", tc.withSamples, b.String())
		}
	}
	if len(s.Samples) != 1 {
		t.Error("writeJSON dropped the caller's samples")
	}
}
