package monitor

import (
	"fmt"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/pipeline"
)

// FeedFinding is the finding that a model's events stopped: the last came
// at last, and at at the model had been silent for longer than every.
// resumed says whether events came again at at (a gap judged afterwards,
// from event time) or not yet (judged by a clock while it lasts).
func FeedFinding(model string, last, at time.Time, every time.Duration, resumed bool) alert.Finding {
	silent := at.Sub(last)
	gap, expected := config.FormatDuration(silent.Round(time.Second)), config.FormatDuration(every)
	summary := fmt.Sprintf("No events for %s since %s (%s), longer than its expect_every (%s)",
		model, last.UTC().Format(time.RFC3339), gap, expected)
	if resumed {
		summary = fmt.Sprintf("No events for %s from %s to %s (%s), longer than its expect_every (%s)",
			model, last.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339), gap, expected)
	}
	return alert.Finding{
		Kind: alert.KindFeed, Severity: alert.High, Model: model, Subject: model, Score: silent.Minutes(), Time: at,
		Evidence: map[string]any{
			"summary": summary, "last_event": last.UTC(), "silent_minutes": silent.Minutes(),
			"expect_every": expected, "resumed": resumed,
		},
	}
}

// Feed finds gaps in a model's traffic by event time: when the model's
// panes of traffic resume after expect_every or more without an event, it
// raises a feed finding. Panes close by the model's event-time clock, so
// an event dated ahead of the traffic cannot fake a gap. It sees a gap
// only once the traffic resumes, and judges it in whole panes (minutes);
// warden serve, which has a clock, watches while the gap lasts instead.
type Feed struct {
	model string
	spec  int
	every time.Duration
	last  time.Time // the end of the newest pane with events
}

var _ pipeline.Windowed = (*Feed)(nil)

// WatchFeed adds a Feed to the pipeline model of m when m has an
// expect_every.
func WatchFeed(pm *pipeline.Model, m *config.Model) {
	if m.ExpectEvery <= 0 {
		return
	}
	spec := paneSpec(pm, pipeline.PaneSpec{Step: TrafficEvery})
	pm.Detectors = append(pm.Detectors, &Feed{model: m.Name, spec: spec, every: m.ExpectEvery})
}

// Name implements pipeline.Detector.
func (f *Feed) Name() string { return "feed" }

// Observe implements pipeline.Detector; the panes say all it needs.
func (f *Feed) Observe(int, *pipeline.Sequenced) []alert.Finding { return nil }

// Cut implements pipeline.Windowed.
func (f *Feed) Cut(int, *pipeline.Marker) any { return nil }

// Close checks the silence before a pane of traffic.
func (f *Feed) Close(m *pipeline.Marker, _ []any) ([]alert.Finding, error) {
	if m.Spec != f.spec || m.Events == 0 {
		return nil, nil
	}
	last := f.last
	f.last = m.End
	if last.IsZero() || m.Start.Sub(last) < f.every {
		return nil, nil
	}
	return []alert.Finding{FeedFinding(f.model, last, m.Start, f.every, true)}, nil
}
