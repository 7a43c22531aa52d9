package notify_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/warden-ml/warden/notify"
)

func TestExponentialBackoffBounds(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi time.Duration
		// ceil[i] is the uncapped-then-capped wait d for attempt i+1;
		// every wait lies in [max(d/2, lo), d].
		ceil []time.Duration
	}{
		{"default", time.Second, 5 * time.Minute, []time.Duration{
			time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second,
			64 * time.Second, 128 * time.Second, 256 * time.Second, 300 * time.Second, 300 * time.Second, 300 * time.Second,
		}},
		{"hi below lo", time.Minute, time.Second, []time.Duration{time.Minute, time.Minute}},
		{"huge", time.Duration(math.MaxInt64 / 3), time.Duration(math.MaxInt64), []time.Duration{
			time.Duration(math.MaxInt64 / 3), time.Duration(math.MaxInt64/3) * 2, time.Duration(math.MaxInt64), time.Duration(math.MaxInt64),
		}},
		{"zero", 0, 0, []time.Duration{0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(50) {
				b := notify.ExponentialBackoff(tc.lo, tc.hi, seed)
				for i, d := range tc.ceil {
					got := b(i + 1)
					if floor := max(d-d/2, min(tc.lo, d)); got < floor || got > d {
						t.Fatalf("seed %d attempt %d: %s, want within [%s, %s]", seed, i+1, got, floor, d)
					}
				}
			}
		})
	}
}

func TestExponentialBackoffJitter(t *testing.T) {
	seq := func(seed uint64) []time.Duration {
		b := notify.ExponentialBackoff(time.Second, 5*time.Minute, seed)
		var s []time.Duration
		for attempt := 1; attempt <= 12; attempt++ {
			s = append(s, b(attempt))
		}
		return s
	}
	if a, b := seq(7), seq(7); !slices.Equal(a, b) {
		t.Errorf("same seed, different waits: %v, %v", a, b)
	}
	if a, b := seq(7), seq(8); slices.Equal(a, b) {
		t.Errorf("different seeds, same waits: %v", a)
	}
	// Jitter spreads the waits of items that failed together.
	b := notify.ExponentialBackoff(time.Second, 5*time.Minute, 1)
	seen := map[time.Duration]bool{}
	for range 100 {
		seen[b(6)] = true
	}
	if len(seen) < 90 {
		t.Errorf("100 waits for attempt 6 took only %d values", len(seen))
	}
	if got := b(0); got != time.Second {
		t.Errorf("attempt 0: %s, want the minimum", got)
	}
}
