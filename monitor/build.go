package monitor

import (
	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/pipeline"
)

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

// Hooks receive what the detectors summarise, for storage.
type Hooks struct {
	OnWindow  func(model string, w *drift.WindowResult)
	OnOutlier func(model string, s *OutlierSummary)
	OnTraffic func(model string, c TrafficCount)
	OnUsers   func(model string, u UserStats)
}

// NewModel assembles the pipeline model for a configured model: its pane
// specs (count panes of drift.every events; time panes of each time
// window's step, of the outlier summaries and of the traffic counts) and
// its detectors. A model without a reference (nil ref) is only counted.
func NewModel(m *config.Model, ref *Reference, shards int, thresholds alert.Thresholds, hooks Hooks) (pipeline.Model, error) {
	pm := pipeline.Model{Name: m.Name, Lateness: m.Drift.Lateness}
	pm.Detectors = append(pm.Detectors, &Traffic{model: m.Name, spec: paneSpec(&pm, pipeline.PaneSpec{Step: TrafficEvery}), onCount: hooks.OnTraffic})
	if ref == nil {
		return pm, nil
	}
	if m.Drift.Enabled {
		if err := addDrift(&pm, m, ref, shards, thresholds, hooks.OnWindow); err != nil {
			return pm, err
		}
	}
	if m.Outliers.Enabled && ref.Outlier != nil {
		spec := paneSpec(&pm, pipeline.PaneSpec{Step: m.Outliers.SummaryEvery})
		o, err := NewOutliers(OutliersOptions{
			Model: m.Name, Detector: ref.Outlier, Settings: m.Outliers, Shards: shards, Spec: spec,
			OnSummary: hooks.OnOutlier, OnUsers: hooks.OnUsers,
		})
		if err != nil {
			return pm, err
		}
		pm.Detectors = append(pm.Detectors, o)
	}
	return pm, nil
}

// paneSpec returns the index of spec among the model's pane specs, adding
// it if it is new.
func paneSpec(pm *pipeline.Model, spec pipeline.PaneSpec) int {
	for i, s := range pm.Specs {
		if s == spec {
			return i
		}
	}
	pm.Specs = append(pm.Specs, spec)
	return len(pm.Specs) - 1
}

func addDrift(pm *pipeline.Model, m *config.Model, ref *Reference, shards int, thresholds alert.Thresholds,
	onWindow func(string, *drift.WindowResult)) error {
	opts := DriftOptions{
		Model: m.Name, Reference: ref.Profile, Columns: m.Columns, Shards: shards, OnWindow: onWindow,
		Compare: StreamCompareOptions(m, thresholds),
	}
	opts.Windows = append(opts.Windows, DriftWindow{
		Kind: drift.CountWindow, Spec: paneSpec(pm, pipeline.PaneSpec{Events: m.Drift.Every}), MinEvents: m.Drift.MinEvents,
		PanesPerWindow: ceilDiv(m.Drift.Window, m.Drift.Every),
	})
	for _, tw := range m.Drift.TimeWindows {
		step, kind := tw.Size, drift.TumblingWindow
		if tw.Type == config.WindowSliding {
			step, kind = tw.Step, drift.SlidingWindow
		}
		opts.Windows = append(opts.Windows, DriftWindow{
			Kind: kind, Spec: paneSpec(pm, pipeline.PaneSpec{Step: step}), MinEvents: m.Drift.MinEvents,
			PanesPerWindow: ceilDiv(int(tw.Size), int(step)),
		})
	}
	d, err := NewDrift(opts)
	if err != nil {
		return err
	}
	pm.Detectors = append(pm.Detectors, d)
	return nil
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
