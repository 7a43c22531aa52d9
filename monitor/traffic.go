package monitor

import (
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/pipeline"
)

// TrafficEvery is the event time one traffic count covers.
const TrafficEvery = time.Minute

// TrafficCount is how many events of a model one pane of event time held.
// Reports add them up for "Events monitored", which the detectors' own
// windows cannot give: count windows overlap and stretch back beyond any
// period, and outlier summaries exist only where screening is on.
type TrafficCount struct {
	Start, End        time.Time
	FirstSeq, LastSeq int64
	Events            int
	Late              int // events that arrived after their pane had closed
}

// Traffic counts every event of a model per pane of TrafficEvery; the
// pane markers carry the counts, so it keeps no state of its own.
type Traffic struct {
	model   string
	spec    int
	onCount func(model string, c TrafficCount)
}

var _ pipeline.Windowed = (*Traffic)(nil)

// Name implements pipeline.Detector.
func (t *Traffic) Name() string { return "traffic" }

// Observe implements pipeline.Detector; the pipeline counts for it.
func (t *Traffic) Observe(int, *pipeline.Sequenced) []alert.Finding { return nil }

// Cut implements pipeline.Windowed.
func (t *Traffic) Cut(int, *pipeline.Marker) any { return nil }

// Close hands on the count of a closed pane of the traffic spec.
func (t *Traffic) Close(m *pipeline.Marker, _ []any) ([]alert.Finding, error) {
	if m.Spec == t.spec && t.onCount != nil && m.Events > 0 {
		t.onCount(t.model, TrafficCount{Start: m.Start, End: m.End, FirstSeq: m.FirstSeq, LastSeq: m.LastSeq,
			Events: m.Events, Late: m.Late})
	}
	return nil, nil
}
