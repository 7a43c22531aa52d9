package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/silence"
	"github.com/warden-ml/warden/simulate"
)

// simulatedDay is a day of the simulator's traffic (dated from its default
// start, in the past) with the amount drifting half-way, and its reference.
func simulatedDay(t *testing.T, n int, seed uint64) (ref []byte, lines [][]byte) {
	t.Helper()
	var refBuf bytes.Buffer
	if err := simulate.WriteCSV(&refBuf, simulate.Reference(1, 10000)); err != nil {
		t.Fatal(err)
	}
	gen, err := simulate.NewGenerator(simulate.Options{Seed: seed, Rate: float64(n) / 86400,
		Drifts: []simulate.Drift{{Feature: "transaction_amount", From: 12 * time.Hour, Scale: 2.1}}})
	if err != nil {
		t.Fatal(err)
	}
	var events bytes.Buffer
	if err := simulate.WriteEvents(&events, gen.Take(n)); err != nil {
		t.Fatal(err)
	}
	return refBuf.Bytes(), bytes.SplitAfter(bytes.TrimSpace(events.Bytes()), []byte("\n"))
}

// send posts lines in batches of 1,000 and fails unless every event is
// accepted.
func (s *service) send(t *testing.T, lines [][]byte) {
	t.Helper()
	for i := 0; i < len(lines); i += 1000 {
		batch := bytes.Join(lines[i:min(i+1000, len(lines))], nil)
		for {
			code, raw := s.do(t, "POST", "/v1/events", "application/x-ndjson", batch)
			if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			var res struct{ Accepted int }
			if code != http.StatusAccepted || json.Unmarshal(raw, &res) != nil || res.Accepted != bytes.Count(batch, []byte("\n"))+boolInt(!bytes.HasSuffix(batch, []byte("\n"))) {
				t.Fatalf("batch at line %d: %d %s", i, code, raw)
			}
			break
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The silences gate: the simulator's day, dated in the past, survives a
// restart and the prune run at start-up; a silence made with the CLI before
// the restart mutes, after it, the drift that a replay of the same events
// alerts; an expired silence mutes nothing; list shows both.
func TestSilencesSurviveRestart(t *testing.T) {
	const n = 20_000
	ref, lines := simulatedDay(t, n, 3)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	svc := startService(t, data)
	if code, raw := svc.do(t, "POST", "/v1/models", "application/json", []byte(`{"name":"`+simulate.ModelName+`"}`)); code != 201 {
		t.Fatalf("register: %d %s", code, raw)
	}
	if code, raw := svc.do(t, "PUT", "/v1/models/"+simulate.ModelName+"/reference", "text/csv", ref); code != 200 {
		t.Fatalf("reference: %d %s", code, raw)
	}
	// The first six hours, before the drift.
	first := n / 4
	svc.send(t, lines[:first])
	svc.waitProcessed(t, first)
	windows := func(s *service) int {
		code, raw := s.do(t, "GET", "/v1/models/"+simulate.ModelName+"/drift?limit=1000", "", nil)
		var doc struct{ Windows []json.RawMessage }
		if code != 200 || json.Unmarshal(raw, &doc) != nil {
			t.Fatalf("drift: %d %s", code, raw)
		}
		return len(doc.Windows)
	}
	before := windows(svc)
	if before == 0 {
		t.Fatal("no drift windows after six hours of traffic")
	}

	day := simulate.DefaultStart().UTC()
	add := warden(t, "silence", "add", "--server", svc.base, "--matcher", "model="+simulate.ModelName, "--matcher", "type=drift",
		"--starts", day.Format(time.RFC3339), "--for", "2d", "--comment", "known release")
	if add.code != 0 {
		t.Fatalf("silence add: exit %d: %s", add.code, add.stderr)
	}
	muting := strings.TrimSpace(add.stdout)
	gone := warden(t, "silence", "add", "--server", svc.base, "--id", "gone", "--matcher", "type=~data_.*", "--matcher", "severity!=critical",
		"--starts", day.Format(time.RFC3339), "--for", "2d")
	if gone.code != 0 {
		t.Fatalf("silence add: exit %d: %s", gone.code, gone.stderr)
	}
	if exp := warden(t, "silence", "expire", "--server", svc.base, "gone"); exp.code != 0 || !strings.Contains(exp.stdout, "expired gone") {
		t.Fatalf("silence expire: exit %d: %s %s", exp.code, exp.stdout, exp.stderr)
	}
	if exp := warden(t, "silence", "expire", "--server", svc.base, "nope"); exp.code != exitUsage || !strings.Contains(exp.stderr, "no silence") {
		t.Fatalf("silence expire of an unknown id: exit %d: %s", exp.code, exp.stderr)
	}

	svc.kill(t)
	svc = startService(t, data)
	svc.waitProcessed(t, first)
	if after := windows(svc); after != before {
		t.Fatalf("%d drift windows before the restart, %d after it", before, after)
	}
	list := warden(t, "silence", "list", "--server", svc.base, "--format", "json")
	var listed struct {
		Silences []silence.View `json:"silences"`
	}
	if list.code != 0 || json.Unmarshal([]byte(list.stdout), &listed) != nil {
		t.Fatalf("silence list: exit %d: %s %s", list.code, list.stdout, list.stderr)
	}
	states := map[string]string{}
	for _, s := range listed.Silences {
		states[s.ID] = string(s.State)
	}
	// By the wall clock the muting silence (dated on the simulator's day)
	// has ended too; it still mutes that day's findings.
	if len(states) != 2 || states["gone"] != "expired" || states[muting] == "" {
		t.Fatalf("listed after the restart: %v", states)
	}
	if text := warden(t, "silence", "list", "--server", svc.base); !strings.Contains(text.stdout, "known release") ||
		!strings.Contains(text.stdout, "type=~data_.*,severity!=critical") {
		t.Fatalf("silence list: %s", text.stdout)
	}

	svc.send(t, lines[first:])
	svc.waitProcessed(t, n)
	for _, a := range svc.alerts(t) {
		if a.Type == "drift" {
			t.Errorf("drift alert despite the silence: %+v", a)
		}
	}

	// Without the silence the same events raise drift alerts.
	cfg := filepath.Join(dir, "warden.yaml")
	os.WriteFile(filepath.Join(dir, "reference.csv"), ref, 0o644)
	os.WriteFile(filepath.Join(dir, "events.jsonl"), bytes.Join(lines, nil), 0o644)
	os.WriteFile(cfg, []byte(fmt.Sprintf("models:\n  - name: %s\n    reference: reference.csv\n", simulate.ModelName)), 0o644)
	rep := warden(t, "replay", "--config", cfg, "--events", filepath.Join(dir, "events.jsonl"))
	if !strings.Contains(rep.stdout, `"type":"drift"`) {
		t.Fatalf("replay raised no drift alert (exit %d): %.500s", rep.code, rep.stdout)
	}
}

func TestParseMatcher(t *testing.T) {
	for _, tc := range []struct {
		in, label, op, value string
		ok                   bool
	}{
		{"model=fraud", "model", "=", "fraud", true},
		{"subject=~amount|merchant_.*", "subject", "=~", "amount|merchant_.*", true},
		{"severity!=critical", "severity", "!=", "critical", true},
		{"subject=a=b", "subject", "=", "a=b", true},
		{"subject=", "subject", "=", "", true},
		{"=fraud", "", "", "", false},
		{"model", "", "", "", false},
		{"model!fraud", "", "", "", false},
	} {
		label, op, value, ok := parseMatcher(tc.in)
		if label != tc.label || op != tc.op || value != tc.value || ok != tc.ok {
			t.Errorf("parseMatcher(%q) = %q %q %q %v", tc.in, label, op, value, ok)
		}
	}
}

// A matcher parses into a label without operator characters and a value
// that, joined back with the operator, gives the input.
func FuzzParseMatcher(f *testing.F) {
	for _, s := range []string{"model=fraud", "subject=~a.*", "severity!=low", "x", "!=", "a=!=~b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		label, op, value, ok := parseMatcher(s)
		if !ok {
			return
		}
		if label == "" || strings.ContainsAny(label, "=!") || label+op+value != s {
			t.Fatalf("parseMatcher(%q) = %q %q %q", s, label, op, value)
		}
	})
}
