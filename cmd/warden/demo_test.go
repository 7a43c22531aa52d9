package main

import (
	"bufio"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
		os.MkdirAll(filepath.Dir(path), 0o755)
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
// report names the injected drift and its consequences, nothing else. It
// stops by itself after the report, so that README's quick start runs on to
// its second command.
func TestDemo(t *testing.T) {
	began := time.Now()
	r := warden(t, "demo")
	took := time.Since(began)
	if r.code != 0 {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("warden demo took %s", took)
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
	// Every finding's evidence reads as its detector's section expects.
	if strings.Contains(r.stdout, "evidence unreadable") {
		t.Errorf("a section could not read an alert's evidence:\n%s", r.stdout)
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "Feature '") && !strings.Contains(line, "'transaction_amount'") && !strings.Contains(line, "'score'") {
			t.Errorf("report names drift that was not injected: %s", line)
		}
	}
	if !strings.Contains(r.stderr, "100%") || !strings.Contains(r.stderr, "warden demo --serve") {
		t.Errorf("stderr lacks the progress or how to keep the service up:\n%s", r.stderr)
	}
	// The service is gone once the demo returns: no URL to it is printed.
	if strings.Contains(r.stderr, "/v1/") || strings.Contains(r.stderr, "Dashboard") {
		t.Errorf("the demo printed URLs of a service that has stopped:\n%s", r.stderr)
	}
	// Events monitored and the adversarial count agree: both count the
	// minutes of event time that have closed.
	events, inputs := reportCounts(t, r.stdout)
	if events != inputs {
		t.Errorf("report says %d events monitored and %d inputs screened", events, inputs)
	}
	js := warden(t, "demo", "--format", "json")
	if js.code != 0 {
		t.Fatalf("demo --format json: exit %d\n%s", js.code, js.stderr)
	}
	golden(t, "demo_report.json", js.stdout)
	// --exit, which stopping after the report used to need, still works.
	if old := warden(t, "demo", "--exit", "--events", "2000"); old.code != 0 {
		t.Errorf("demo --exit: exit %d: %s", old.code, old.stderr)
	}
}

// reportCounts reads "Events monitored: N" and "Anomalies Detected: A of
// M inputs" from a text report.
func reportCounts(t *testing.T, text string) (events, inputs int) {
	t.Helper()
	m := regexp.MustCompile(`Events monitored: ([0-9,]+)\n(?s:.*)Anomalies Detected: [0-9,]+ of ([0-9,]+) inputs`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no event counts in the report:\n%s", text)
	}
	atoi := func(s string) int {
		n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return atoi(m[1]), atoi(m[2])
}

// With --serve the demo keeps the service up after the report, says where,
// and stops cleanly on an interrupt.
func TestDemoServe(t *testing.T) {
	cmd := exec.Command(wardenBin, "demo", "--serve", "--addr", "127.0.0.1:0", "--events", "2000")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	dashboard := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "Dashboard: "); ok {
				dashboard <- url
			}
		}
	}()
	select {
	case url := <-dashboard:
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("dashboard %s: %v", url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("dashboard %s: %s", url, resp.Status)
		}
	case <-time.After(time.Minute):
		t.Fatal("demo --serve printed no dashboard URL")
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("demo --serve after an interrupt: %v", err)
	}
}
