package monitor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/pipeline"
)

// A gap of expect_every or more between minutes with traffic is a feed
// finding when the traffic resumes; shorter ones are not.
func TestFeedGaps(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		every   time.Duration
		minutes []int // minutes with traffic
		want    []string
	}{
		{"steady", 10 * time.Minute, []int{0, 1, 2, 3, 5, 8}, nil},
		{"an hour cut", 10 * time.Minute, []int{0, 1, 61, 62}, []string{"from 2026-01-01T03:02:00Z to 2026-01-01T04:01:00Z (59m)"}},
		{"just long enough", 10 * time.Minute, []int{0, 11}, []string{"(10m)"}},
		{"just too short", 10 * time.Minute, []int{0, 10}, nil},
		{"two gaps", 5 * time.Minute, []int{0, 10, 11, 30}, []string{"(9m)", "(18m)"}},
		{"off", 0, []int{0, 600}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := config.DefaultModel()
			m.Name, m.ExpectEvery = "m", tt.every
			pm, err := monitor.NewModel(&m, nil, 1, alert.DriftThresholds, monitor.Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			monitor.WatchFeed(&pm, &m)
			var feed pipeline.Windowed
			for _, d := range pm.Detectors {
				if d.Name() == "feed" {
					feed = d.(pipeline.Windowed)
				}
			}
			if (feed == nil) != (tt.every == 0) {
				t.Fatalf("feed detector %v with expect_every %v", feed, tt.every)
			}
			if feed == nil {
				return
			}
			var got []alert.Finding
			for _, min := range tt.minutes {
				start := t0.Add(time.Duration(min) * time.Minute)
				fs, err := feed.Close(&pipeline.Marker{Model: "m", Spec: 0, Start: start, End: start.Add(time.Minute), Events: 3}, nil)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, fs...)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("findings %+v, want %d", got, len(tt.want))
			}
			for i, f := range got {
				summary, _ := f.Evidence["summary"].(string)
				if f.Kind != alert.KindFeed || f.Subject != "m" || f.Severity != alert.High || !strings.Contains(summary, tt.want[i]) {
					t.Errorf("finding %d: %s %s %s %q, want a high feed finding saying %q", i, f.Kind, f.Subject, f.Severity, summary, tt.want[i])
				}
			}
		})
	}
}
