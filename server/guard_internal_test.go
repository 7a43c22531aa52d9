package server

import (
	"testing"
	"time"
)

// A flood of refusals writes one audit entry a minute per address and
// kind, and the next entry counts those not written.
func TestRefusalsThrottled(t *testing.T) {
	var rf refusals
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		key     string
		at      time.Duration
		ok      bool
		skipped int
	}{
		{"1.2.3.4 token", 0, true, 0},
		{"1.2.3.4 token", time.Second, false, 0},
		{"1.2.3.4 token", 2 * time.Second, false, 0},
		{"1.2.3.4 role", 3 * time.Second, true, 0},
		{"5.6.7.8 token", 4 * time.Second, true, 0},
		{"1.2.3.4 token", time.Minute, true, 2},
		{"1.2.3.4 token", 2 * time.Minute, true, 0},
	}
	for i, s := range steps {
		skipped, ok := rf.allow(s.key, t0.Add(s.at))
		if ok != s.ok || skipped != s.skipped {
			t.Errorf("step %d (%s at %s): %v, %d skipped; want %v, %d", i, s.key, s.at, ok, skipped, s.ok, s.skipped)
		}
	}
}
