package monitor

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/pipeline"
)

// LoadReference reads a model's reference: a saved profile (.wprof), or CSV
// or JSON lines that are profiled on the spot.
func LoadReference(path string) (*drift.Profile, error) {
	if strings.HasSuffix(path, ".wprof") {
		return drift.LoadProfile(path)
	}
	t, err := dataset.ReadFile(path, dataset.Options{})
	if err != nil {
		return nil, err
	}
	if t.Rows == 0 {
		return nil, fmt.Errorf("%s: no data rows", filepath.Base(path))
	}
	return drift.NewProfile(t, drift.ProfileOptions{})
}

// StreamCompareOptions are the drift test options of a configured model for
// windows of a stream.
func StreamCompareOptions(m *config.Model, thresholds alert.Thresholds) drift.Options {
	o := drift.DefaultOptions()
	o.Method = drift.Method(m.Drift.Method)
	o.Alpha = m.Drift.Threshold
	o.MinEffect = m.Drift.MinEffect
	o.Thresholds = thresholds
	o.KSAsymptotic = true
	return o
}

// NewModel assembles the pipeline model for a configured model: its pane
// specs (count panes of drift.every events; time panes of each time
// window's step) and its detectors.
func NewModel(m *config.Model, ref *drift.Profile, shards int, thresholds alert.Thresholds,
	onWindow func(string, *drift.WindowResult)) (pipeline.Model, error) {
	pm := pipeline.Model{Name: m.Name, Lateness: m.Drift.Lateness}
	if !m.Drift.Enabled {
		return pm, nil
	}
	opts := DriftOptions{
		Model: m.Name, Reference: ref, Columns: m.Columns, Shards: shards, OnWindow: onWindow,
		Compare: StreamCompareOptions(m, thresholds),
	}
	pm.Specs = append(pm.Specs, pipeline.PaneSpec{Events: m.Drift.Every})
	opts.Windows = append(opts.Windows, DriftWindow{
		Kind: drift.CountWindow, Spec: 0, MinEvents: m.Drift.MinEvents,
		PanesPerWindow: ceilDiv(m.Drift.Window, m.Drift.Every),
	})
	for _, tw := range m.Drift.TimeWindows {
		step, kind := tw.Size, drift.TumblingWindow
		if tw.Type == config.WindowSliding {
			step, kind = tw.Step, drift.SlidingWindow
		}
		pm.Specs = append(pm.Specs, pipeline.PaneSpec{Step: step})
		opts.Windows = append(opts.Windows, DriftWindow{
			Kind: kind, Spec: len(pm.Specs) - 1, MinEvents: m.Drift.MinEvents,
			PanesPerWindow: ceilDiv(int(tw.Size), int(step)),
		})
	}
	d, err := NewDrift(opts)
	if err != nil {
		return pm, err
	}
	pm.Detectors = append(pm.Detectors, d)
	return pm, nil
}

// Policy is the alerting policy of a configuration: its thresholds per
// model and kind, and its repeat interval.
func Policy(c *config.Config) alert.Policy {
	return alert.Policy{
		RepeatInterval: c.Alerting.RepeatInterval,
		Thresholds: func(model string, kind alert.Kind) (alert.Thresholds, bool) {
			global := c.Alerting.Thresholds
			var t config.Thresholds
			if m := c.Model(model); m != nil {
				t = m.Thresholds(string(kind), global)
			} else {
				t = global[string(kind)]
			}
			if t == (config.Thresholds{}) {
				return alert.Thresholds{}, false
			}
			return alert.Thresholds{Warning: t.Warning, Critical: t.Critical}, true
		},
	}
}

// ModelThresholds are a model's drift thresholds as alert.Thresholds.
func ModelThresholds(c *config.Config, m *config.Model) alert.Thresholds {
	t := m.Thresholds(string(alert.KindDrift), c.Alerting.Thresholds)
	if t == (config.Thresholds{}) {
		return alert.DriftThresholds
	}
	return alert.Thresholds{Warning: t.Warning, Critical: t.Critical}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
