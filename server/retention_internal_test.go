package server

import (
	"testing"
	"time"

	"github.com/warden-ml/warden/store/eventlog"
)

func TestFirstKept(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	segs := []eventlog.Segment{{Number: 3, ModTime: day(1)}, {Number: 4, ModTime: day(3)}, {Number: 5, ModTime: day(5)}, {Number: 6, ModTime: day(7)}}
	tests := []struct {
		name       string
		checkpoint uint64
		cutoff     time.Time
		want       uint64
	}{
		{"old segments go", 6, day(4), 5},
		{"the checkpoint's segment stays even when old", 4, day(6), 4},
		{"nothing old", 6, day(1), 3},
		{"everything old", 6, day(9), 6},
	}
	for _, tc := range tests {
		if got := firstKept(segs, eventlog.Position{Segment: tc.checkpoint}, tc.cutoff); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
