package monitor_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/detectortest"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/pipeline"
	"github.com/warden-ml/warden/simulate"
)

// Drift windows pass the detector conformance suite on a day whose amount
// drifts from noon.
func TestDriftConformance(t *testing.T) {
	ref := referenceProfile(t, 1, 5000)
	events := day(t, 3, 8000, simulate.Drift{Feature: "transaction_amount", From: 12 * time.Hour, Scale: 2.5})
	detectortest.Run(t, detectortest.Subject{
		NewModel: func(t testing.TB, shards int) pipeline.Model {
			m := fraudModel()
			m.Outliers.Enabled = false
			cfg := config.Default()
			pm, err := monitor.NewModel(&m, &monitor.Reference{Profile: ref}, shards, monitor.ModelThresholds(cfg, &m), monitor.Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			return pm
		},
		Events: events,
	})
}

// Outlier screening passes it on a day with a prober, and keeps its state
// within max_users under a flood of new users.
func TestOutliersConformance(t *testing.T) {
	ref := outlierReference(t, 5000)
	attack := simulate.Burst{User: "prober", From: 11*time.Hour + 50*time.Minute, Until: 12*time.Hour + 20*time.Minute, Count: 30}
	events := traffic(t, simulate.Options{Seed: 9, Bursts: []simulate.Burst{attack}}, 8000)
	const maxUsers = 2000
	detectortest.Run(t, detectortest.Subject{
		NewModel: func(t testing.TB, shards int) pipeline.Model {
			m := fraudModel()
			m.Drift.Enabled = false
			m.Outliers.MaxUsers = maxUsers
			cfg := config.Default()
			pm, err := monitor.NewModel(&m, ref, shards, monitor.ModelThresholds(cfg, &m), monitor.Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			return pm
		},
		Events: events,
		Flood: func(n int) []event.Event {
			out := make([]event.Event, n)
			for i := range out {
				ev := events[i%len(events)]
				ev.User = fmt.Sprintf("flood-%07d", i)
				ev.Time = events[0].Time.Add(time.Duration(i) * 100 * time.Millisecond) // all within the hour
				out[i] = ev
			}
			return out
		},
		FloodEvents:   20 * maxUsers,
		MaxStateBytes: 2 << 20,
	})
}
