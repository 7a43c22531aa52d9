package server

import (
	"testing"
	"time"
)

func TestCheckpointDue(t *testing.T) {
	every := 30 * time.Second
	tests := []struct {
		since    time.Duration
		inFlight int64
		want     bool
	}{
		{10 * time.Second, 0, false},                              // not yet
		{every, 0, true},                                          // due and quiet
		{every, quietInFlight, true},                              // quiet enough
		{every, quietInFlight + 1, false},                         // busy: wait
		{every + maxCheckpointDelay - time.Second, 100000, false}, // still waiting
		{every + maxCheckpointDelay, 100000, true},                // waited long enough
		{2 * time.Hour, 1 << 30, true},
	}
	for _, tc := range tests {
		if got := checkpointDue(tc.since, every, tc.inFlight); got != tc.want {
			t.Errorf("checkpointDue(%v, %v, %d) = %v, want %v", tc.since, every, tc.inFlight, got, tc.want)
		}
	}
}
