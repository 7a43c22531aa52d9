package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/warden-ml/warden/simulate"
)

// service is a `warden serve` process.
type service struct {
	cmd  *exec.Cmd
	base string
	log  *syncBuffer // what it wrote to stderr
}

// syncBuffer is a buffer written by one goroutine and read by another.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listening = regexp.MustCompile(`listening on (https?://\S+)`)

// startService starts `warden serve` on a free port with its store in
// dataDir and any further arguments (--config FILE).
func startService(t *testing.T, dataDir string, args ...string) *service {
	t.Helper()
	if !slices.Contains(args, "--addr") {
		args = append(args, "--addr", "127.0.0.1:0")
	}
	cmd := exec.Command(wardenBin, append([]string{"serve", "--data", dataDir}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	logs := &syncBuffer{}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case base := <-found:
		s := &service{cmd: cmd, base: base, log: logs}
		t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
		return s
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("warden serve did not start listening")
	}
	return nil
}

func (s *service) kill(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

func (s *service) do(t *testing.T, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

type storedAlert struct {
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	Type     string    `json:"type"`
	Severity string    `json:"severity"`
	Subject  string    `json:"subject"`
}

func (s *service) alerts(t *testing.T) []storedAlert {
	t.Helper()
	code, raw := s.do(t, "GET", "/v1/alerts?limit=10000", "", nil)
	if code != 200 {
		t.Fatalf("alerts: %d %s", code, raw)
	}
	var out []storedAlert
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b storedAlert) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// waitProcessed waits until the count window has seen event n-1.
func (s *service) waitProcessed(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	if v := os.Getenv("WARDEN_WAIT"); v != "" {
		d, _ := time.ParseDuration(v)
		deadline = time.Now().Add(d)
	}
	last := -1
	for time.Now().Before(deadline) {
		code, raw := s.do(t, "GET", "/v1/models/"+simulate.ModelName+"/drift?limit=1", "", nil)
		var doc struct {
			Current *struct {
				LastSeq int `json:"last_seq"`
			} `json:"current"`
		}
		if code == 200 && json.Unmarshal(raw, &doc) == nil && doc.Current != nil {
			if last = doc.Current.LastSeq; last == n-1 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("events not all processed in time: the newest window ends at event %d of %d; the service logged:\n%s", last, n, s.log)
}

// The service gate: 200k events with drift injected half-way; alerts after
// the change only, with the right severities; SIGKILL right after the last
// 202; the restarted service processes every acknowledged event and ends
// with exactly the alerts an uninterrupted replay of the same events gives.
func TestServeSurvivesKill(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	dir := t.TempDir()
	refPath := filepath.Join(dir, "reference.csv")
	eventsPath := filepath.Join(dir, "events.jsonl")
	var ref bytes.Buffer
	if err := simulate.WriteCSV(&ref, simulate.Reference(1, 10000)); err != nil {
		t.Fatal(err)
	}
	start := simulate.DefaultStart()
	change := 12 * time.Hour
	gen, err := simulate.NewGenerator(simulate.Options{Seed: 3, Rate: float64(n) / 86400,
		Drifts: []simulate.Drift{{Feature: "transaction_amount", From: change, Scale: 2.1}}})
	if err != nil {
		t.Fatal(err)
	}
	var events bytes.Buffer
	if err := simulate.WriteEvents(&events, gen.Take(n)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(refPath, ref.Bytes(), 0o644)
	os.WriteFile(eventsPath, events.Bytes(), 0o644)

	data := filepath.Join(dir, "data")
	svc := startService(t, data)
	if code, raw := svc.do(t, "POST", "/v1/models", "application/json", []byte(`{"name":"`+simulate.ModelName+`"}`)); code != 201 {
		t.Fatalf("register: %d %s", code, raw)
	}
	if code, raw := svc.do(t, "PUT", "/v1/models/"+simulate.ModelName+"/reference", "text/csv", ref.Bytes()); code != 200 {
		t.Fatalf("reference: %d %s", code, raw)
	}
	lines := bytes.SplitAfter(events.Bytes(), []byte("\n"))
	accepted := 0
	for i := 0; i < len(lines); i += 1000 {
		batch := bytes.Join(lines[i:min(i+1000, len(lines))], nil)
		if len(batch) == 0 {
			continue
		}
		for {
			code, raw := svc.do(t, "POST", "/v1/events", "application/x-ndjson", batch)
			if code == http.StatusTooManyRequests {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if code != http.StatusAccepted {
				t.Fatalf("batch %d: %d %s", i/1000, code, raw)
			}
			var res struct{ Accepted int }
			json.Unmarshal(raw, &res)
			accepted += res.Accepted
			break
		}
	}
	if accepted != n {
		t.Fatalf("accepted %d of %d", accepted, n)
	}
	// Killed at once: some acknowledged events may not be processed yet.
	svc.kill(t)

	svc = startService(t, data)
	svc.waitProcessed(t, n)
	got := svc.alerts(t)

	// What an uninterrupted run gives: warden replay over the same events.
	cfgPath := filepath.Join(dir, "warden.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf("models:\n  - name: %s\n    reference: reference.csv\n", simulate.ModelName)), 0o644)
	rep := warden(t, "replay", "--config", cfgPath, "--events", eventsPath)
	if rep.code != 1 {
		t.Fatalf("replay: exit %d: %s", rep.code, rep.stderr)
	}
	var want []storedAlert
	for _, line := range strings.Split(strings.TrimSpace(rep.stdout), "\n") {
		var a storedAlert
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatal(err)
		}
		want = append(want, a)
	}
	slices.SortFunc(want, func(a, b storedAlert) int { return strings.Compare(a.ID, b.ID) })
	if len(got) != len(want) {
		t.Errorf("service has %d alerts after the kill, an uninterrupted replay %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i].ID != want[i].ID || got[i].Severity != want[i].Severity {
			t.Errorf("alert %d: service %+v, replay %+v", i, got[i], want[i])
		}
	}

	worst := map[string]string{}
	for _, a := range got {
		if a.Time.Before(start.Add(change)) {
			t.Errorf("alert before the change: %+v", a)
		}
		if a.Subject == "score" && a.Type != "prediction_drift" {
			t.Errorf("the model's score drifting is prediction drift, not %s: %+v", a.Type, a)
		}
		if a.Type == "drift" && (worst[a.Subject] == "" || a.Severity == "critical") {
			worst[a.Subject] = a.Severity
		}
	}
	if worst["transaction_amount"] != "critical" {
		t.Errorf("transaction_amount: worst severity %q, want critical (drift alerts: %v)", worst["transaction_amount"], worst)
	}
	for subject := range worst {
		// Scaling the amount moves the model's score with it; nothing else
		// was changed.
		if subject != "transaction_amount" && subject != "score" {
			t.Errorf("drift alerted on %s, which did not change", subject)
		}
	}

	// Killed again with nothing in flight: the same alerts, no duplicates.
	svc.kill(t)
	svc = startService(t, data)
	svc.waitProcessed(t, n)
	if again := svc.alerts(t); len(again) != len(got) {
		t.Errorf("second restart: %d alerts, want %d", len(again), len(got))
	}
}

// What stops serve from starting is the configuration's to fix: exit 2 with
// the place, and 'config check' finds the same thing first.
func TestServeConfigErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ref.csv", "a,b\n1,2\n3,4\n")
	writeFile(t, dir, "broken.csv", "a,b\n1,2\n\"oops\n")
	unset := "WARDEN_TEST_SECRET_UNSET"
	os.Unsetenv(unset)
	tests := []struct {
		name, config, want string
		checkFinds         bool
	}{
		{"secret_env unset", "alerting:\n  receivers:\n    - {name: soc, type: webhook, url: 'https://siem.example.com/hook', secret_env: " + unset + "}\nmodels: [{name: m, reference: ref.csv}]\n",
			"alerting.receivers[0].secret_env: environment variable " + unset + " is not set or empty (line 3)", true},
		{"reference missing", "models: [{name: m, reference: nowhere.csv}]\n", "models[0].reference: file not found", true},
		{"reference unreadable as data", "models: [{name: m, reference: broken.csv}]\n", "models[0] (m): reference: " + filepath.Join(dir, "broken.csv") + " line 3", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := writeFile(t, dir, "warden.yaml", tc.config)
			check := warden(t, "config", "check", cfg)
			if tc.checkFinds && (check.code != exitUsage || !strings.Contains(check.stderr, tc.want)) {
				t.Errorf("config check: exit %d, %q; want 2 and %q", check.code, check.stderr, tc.want)
			}
			serve := warden(t, "serve", "--config", cfg, "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"))
			if serve.code != exitUsage || !strings.Contains(serve.stderr, tc.want) || strings.Contains(serve.stderr, "internal error") {
				t.Errorf("serve: exit %d, %q; want 2 and %q", serve.code, serve.stderr, tc.want)
			}
		})
	}
}
