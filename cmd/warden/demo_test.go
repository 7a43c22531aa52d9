package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/simulate"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// The demo tells the lab's story in under a minute on this machine, and its
// report names the injected drift and its consequences, nothing else.
func TestDemo(t *testing.T) {
	began := time.Now()
	r := warden(t, "demo", "--exit", "--addr", "127.0.0.1:0")
	took := time.Since(began)
	if r.code != 0 {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("warden demo --exit took %s", took)
	if took > time.Minute {
		t.Errorf("demo took %s, want under a minute", took)
	}
	golden(t, "demo_report.txt", r.stdout)
	for _, want := range []string{"ML SECURITY MONITORING REPORT", "CRITICAL: Feature 'transaction_amount' drift detected",
		"Production mean: $", "ADVERSARIAL INPUTS", "Anomalies Detected: ", "CRITICAL: User " + simulate.DemoAttacker + ": ",
		"Not monitored", "RECOMMENDATIONS", "1. Block " + simulate.DemoAttacker + "'s anomalous inputs",
		"2. Investigate drift in transaction_amount"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "Feature '") && !strings.Contains(line, "'transaction_amount'") && !strings.Contains(line, "'score'") {
			t.Errorf("report names drift that was not injected: %s", line)
		}
	}
	if !strings.Contains(r.stderr, "/v1/alerts") || !strings.Contains(r.stderr, "100%") {
		t.Errorf("stderr lacks the progress or the API URL:\n%s", r.stderr)
	}
	js := warden(t, "demo", "--exit", "--addr", "127.0.0.1:0", "--format", "json")
	if js.code != 0 {
		t.Fatalf("demo --format json: exit %d\n%s", js.code, js.stderr)
	}
	golden(t, "demo_report.json", js.stdout)
}
