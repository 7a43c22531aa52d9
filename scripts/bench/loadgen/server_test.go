package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/server"
)

// startWarden runs the real service in this process on a free port.
func startWarden(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.Storage.Dir = t.TempDir()
	srv, err := server.New(cfg, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return "http://" + l.Addr().String()
}

// The whole benchmark in miniature against the real service, as
// scripts/bench/ingest.sh runs it: every event accepted, windows
// evaluated, drift found in the drifted columns only and never before the
// change, and no drift found in a steady stream.
func TestAgainstWarden(t *testing.T) {
	tests := []struct {
		name      string
		drift     bool // detection on
		driftAt   string
		wantDrift bool
	}{
		{"drift half-way", true, "0.5", true},
		{"steady", true, "-1", false},
		{"detection off", false, "0.5", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := startWarden(t)
			ref := filepath.Join(t.TempDir(), "ref.csv")
			if err := writeFile(ref, func(w io.Writer) error { return writeCSV(w, 1, 10000, -1) }); err != nil {
				t.Fatal(err)
			}
			if err := register(context.Background(), http.DefaultClient, url, "bench", ref, tc.drift); err != nil {
				t.Fatal(err)
			}

			const events = 40000
			c, err := parseFlags([]string{"-url", url, "-events", strconv.Itoa(events), "-batch", "500", "-conns", "3",
				"-distinct", "10", "-users", "300", "-drift-at", tc.driftAt,
				"-pid", strconv.Itoa(os.Getpid()), "-sample", "50ms", "-settle", "30s"}, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			s, err := bench(context.Background(), c, &log)
			if err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			if s.Events != events || s.EventsPerSec <= 0 || s.LatencyMS.P99 <= 0 || s.LatencyMS.Max < s.LatencyMS.P99 {
				t.Errorf("events %d at %g/s, latency %+v", s.Events, s.EventsPerSec, s.LatencyMS)
			}
			// A count window every 100 events once 1000 are in.
			if !tc.drift && s.Windows != 0 || tc.drift && (s.Windows < events/100-20 || s.Windows > events/100) {
				t.Errorf("%d drift windows, want about %d", s.Windows, events/100)
			}
			if (s.Alerts.Total > 0) != tc.wantDrift || s.Alerts.FalseAlarms != 0 {
				t.Errorf("drift alerts %+v (change at %v), want drift %v and no false alarm", s.Alerts, s.DriftStart, tc.wantDrift)
				if resp, err := http.Get(url + "/v1/alerts?type=drift"); err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					t.Logf("alerts: %s", b)
				}
			}
			for _, f := range s.Alerts.Subjects {
				if !slices.Contains([]string{"f0", "f1", "f5", "f17"}, f) {
					t.Errorf("drift alert on %s, which does not drift", f)
				}
			}
			if len(s.Samples) == 0 || s.RSS.EndMiB <= 0 {
				t.Errorf("no RSS samples: %+v", s.RSS)
			}
			if !strings.Contains(log.String(), "distinct batches of 500 events") {
				t.Errorf("log: %s", log.String())
			}
		})
	}
}

// Without a model the server refuses the events, and the run says which
// batch and why instead of reporting a throughput.
func TestAgainstWardenUnknownModel(t *testing.T) {
	url := startWarden(t)
	c, err := parseFlags([]string{"-url", url, "-events", "2000", "-distinct", "2", "-settle", "1s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = bench(ctx, c, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `unknown model \"bench\"`) {
		t.Fatalf("error %v, want the server's unknown model", err)
	}
}

func TestRegisterErrors(t *testing.T) {
	url := startWarden(t)
	dir := t.TempDir()
	notCSV := filepath.Join(dir, "ref.csv")
	if err := os.WriteFile(notCSV, []byte("f0,f1\n1,2,3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, model, file, wantErr string
	}{
		{"missing file", "m1", filepath.Join(dir, "absent.csv"), "absent.csv"},
		{"malformed reference", "m2", notCSV, "PUT " + url + "/v1/models/m2/reference: 400"},
		{"bad model name", "", notCSV, "POST " + url + "/v1/models: 400"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := register(context.Background(), http.DefaultClient, url, tc.model, tc.file, true)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
