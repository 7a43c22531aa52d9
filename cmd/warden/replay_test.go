package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/simulate"
)

// replayFixture writes a reference, a config and a day of events.
func replayFixture(t *testing.T, n int, drifts ...simulate.Drift) (cfg, events string) {
	t.Helper()
	dir := t.TempDir()
	var ref bytes.Buffer
	if err := simulate.WriteCSV(&ref, simulate.Reference(1, 10000)); err != nil {
		t.Fatal(err)
	}
	gen, err := simulate.NewGenerator(simulate.Options{Seed: 11, Rate: float64(n) / 86400, Drifts: drifts})
	if err != nil {
		t.Fatal(err)
	}
	var evs bytes.Buffer
	if err := simulate.WriteEvents(&evs, gen.Take(n)); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "reference.csv", ref.String())
	events = writeFile(t, dir, "events.jsonl", evs.String())
	cfg = writeFile(t, dir, "warden.yaml", "models:\n  - name: "+simulate.ModelName+"\n    reference: reference.csv\n")
	return cfg, events
}

func TestReplayContract(t *testing.T) {
	cfg, events := replayFixture(t, 20000, simulate.Drift{Feature: "merchant_category", From: 12 * time.Hour, NewCategory: "crypto_exchange", NewShare: 0.3})
	first := warden(t, "replay", "--config", cfg, "--events", events, "--format", "jsonl")
	if first.code != 1 {
		t.Fatalf("exit %d, want 1 (alerts): %s", first.code, first.stderr)
	}
	second := warden(t, "replay", "--config", cfg, "--events", events)
	if first.stdout != second.stdout {
		t.Error("identical input gave different output")
	}
	if !strings.Contains(first.stderr, "replay: 20,000 events, 200 windows evaluated, ") {
		t.Errorf("summary on stderr: %q", first.stderr)
	}
	lines := strings.Split(strings.TrimSpace(first.stdout), "\n")
	var sawDrift, sawUnseen bool
	for _, line := range lines {
		var a map[string]any
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("stdout line is not a JSON alert: %q", line)
		}
		for _, k := range []string{"id", "fingerprint", "time", "type", "severity", "model", "subject", "source", "summary", "details"} {
			if _, ok := a[k]; !ok {
				t.Errorf("alert lacks %q: %s", k, line)
			}
		}
		tm, _ := time.Parse(time.RFC3339Nano, a["time"].(string))
		if tm.Before(simulate.DefaultStart().Add(12 * time.Hour)) {
			t.Errorf("alert before the change: %s", line)
		}
		sawDrift = sawDrift || (a["type"] == "drift" && a["subject"] == "merchant_category")
		sawUnseen = sawUnseen || (a["type"] == "data_quality" && strings.Contains(a["summary"].(string), "crypto_exchange"))
	}
	if !sawDrift || !sawUnseen {
		t.Errorf("want a drift alert and an unseen-category alert on merchant_category; got:\n%s", first.stdout)
	}
	text := warden(t, "replay", "--config", cfg, "--events", events, "--format", "text")
	if text.code != 1 || !strings.Contains(text.stdout, "merchant_category") {
		t.Errorf("text format: exit %d\n%s", text.code, text.stdout)
	}

	stableCfg, stable := replayFixture(t, 10000)
	if r := warden(t, "replay", "--config", stableCfg, "--events", stable); r.code != 0 || r.stdout != "" {
		t.Errorf("stable day: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestReplayBadInput(t *testing.T) {
	cfg, _ := replayFixture(t, 10)
	dir := filepath.Dir(cfg)
	model := simulate.ModelName
	tests := []struct {
		name, events string
		want         []string
	}{
		// One numbering for every bad item, whatever is wrong with it.
		{"no time", `{"model":"` + model + `","time":"2026-01-01T00:00:00Z"}` + "\n" + `{"model":"` + model + `","features":{"hour":3}}`,
			[]string{"bad.jsonl: item 1 (line 2): no time; replay takes time from the events"}},
		{"unknown model", `{"model":"other","time":"2026-01-01T00:00:00Z"}`, []string{"bad.jsonl: item 0 (line 1): unknown model \"other\""}},
		{"bad item then an event without time", `{"model": 1}` + "\n" + `{"model":"` + model + `"}`,
			[]string{"bad.jsonl: item 0 (line 1): ", "bad.jsonl: item 1 (line 2): no time"}},
		{"not JSON", `hello`, []string{"bad.jsonl: body unusable at line 1 (byte 0)"}},
		{"malformed line", `{"model":"` + model + `","time":"2026-01-01T00:00:00Z"}` + "\n" + `{"model": }`, []string{"line 2"}},
		{"wrong type", `{"model":"` + model + `","time":"2026-01-01T00:00:00Z","features":{"hour":[1]}}`, []string{"features.hour"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, dir, "bad.jsonl", tc.events)
			r := warden(t, "replay", "--config", cfg, "--events", path)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2: %s", r.code, r.stderr)
			}
			for _, w := range append(tc.want, "bad.jsonl") {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r.stderr)
				}
			}
		})
	}
	if r := warden(t, "replay", "--config", filepath.Join(dir, "missing.yaml"), "--events", cfg); r.code != 2 {
		t.Errorf("missing config: exit %d", r.code)
	}
	noRef := writeFile(t, dir, "noref.yaml", "models:\n  - name: m\n")
	if r := warden(t, "replay", "--config", noRef, "--events", cfg); r.code != 2 || !strings.Contains(r.stderr, "reference") {
		t.Errorf("model without reference: exit %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(cfg); err != nil {
		t.Fatal(err)
	}
}
