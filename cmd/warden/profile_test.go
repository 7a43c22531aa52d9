package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A profile carries the outlier detector: replaying with the profile as the
// reference gives the same alerts, adversarial ones included, as replaying
// with the data; a profile built without one says so and screens nothing.
func TestProfileCarriesOutlierDetector(t *testing.T) {
	dir := t.TempDir()
	if r := warden(t, "simulate", "--dir", dir, "--seed", "5", "--format", "events", "--rows", "40000",
		"--drift", "transaction_amount:scale=4,from=12h", "--burst", "prober:count=40,from=9h"); r.code != 0 {
		t.Fatalf("simulate: exit %d: %s", r.code, r.stderr)
	}
	ref, events := filepath.Join(dir, "reference.csv"), filepath.Join(dir, "production.jsonl")
	withDetector, without := filepath.Join(dir, "with.wprof"), filepath.Join(dir, "without.wprof")
	if r := warden(t, "profile", "build", "--data", ref, "--out", withDetector); r.code != 0 || !strings.Contains(r.stderr, "outlier detector over 7 inputs") {
		t.Fatalf("profile build: exit %d: %s", r.code, r.stderr)
	}
	if r := warden(t, "profile", "build", "--data", ref, "--out", without, "--no-outliers"); r.code != 0 {
		t.Fatalf("profile build --no-outliers: exit %d: %s", r.code, r.stderr)
	}
	if r := warden(t, "profile", "build", "--data", ref, "--out", without, "--fpr", "0.9"); r.code != 2 || !strings.Contains(r.stderr, "fpr") {
		t.Errorf("profile build --fpr 0.9: exit %d: %s", r.code, r.stderr)
	}
	replay := func(reference string) result {
		cfg := writeFile(t, dir, "warden.yaml", "models:\n  - name: fraud_detection_v2\n    reference: "+reference+"\n")
		return warden(t, "replay", "--config", cfg, "--events", events)
	}
	fromData, fromProfile, fromBare := replay(ref), replay(withDetector), replay(without)
	if fromData.code != 1 || !strings.Contains(fromData.stdout, `"type":"adversarial"`) {
		t.Fatalf("replay with the data: exit %d, no adversarial alert: %s", fromData.code, fromData.stderr)
	}
	if fromProfile.stdout != fromData.stdout {
		t.Error("replaying with the profile gives other alerts than with the data")
	}
	if strings.Contains(fromBare.stdout, `"type":"adversarial"`) || !strings.Contains(fromBare.stderr, "holds no outlier detector") {
		t.Errorf("profile without a detector: adversarial alerts or no warning: %s", fromBare.stderr)
	}
}
