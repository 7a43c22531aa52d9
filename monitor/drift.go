// Package monitor adapts Warden's detector libraries to the pipeline: each
// adapter keeps per-shard state for the events it observes and evaluates
// what the pipeline's panes close.
package monitor

import (
	"encoding/json"
	"fmt"
	"github.com/warden-ml/warden/internal/count"
	"strings"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/pipeline"
)

// DriftWindow is one window series of a model: a pane spec of the pipeline
// and how many of its panes make a window.
type DriftWindow struct {
	Kind           drift.WindowKind
	Spec           int // index of the pane spec in the pipeline model
	PanesPerWindow int
	MinEvents      int
}

// DriftOptions configure the drift adapter of one model.
type DriftOptions struct {
	Model     string
	Reference *drift.Profile
	Columns   []string // features to watch; empty: every tested reference column
	Compare   drift.Options
	Windows   []DriftWindow
	Shards    int
	// OnWindow receives every evaluated window (history); called from the
	// pipeline's merger goroutine.
	OnWindow func(model string, w *drift.WindowResult)
}

// Drift watches one model's inputs for drift in windows.
type Drift struct {
	opts     DriftOptions
	columns  map[string]int                   // feature name -> accumulator column
	open     [][]map[int64]*drift.Accumulator // [shard][window] pane index -> partial
	series   []*drift.Series                  // per window, by pane spec
	bySpec   map[int][]int                    // pane spec -> windows using it
	template *drift.Accumulator
	derived  []derivedColumn
}

// derivedColumn is a reference column that events carry outside their
// features: a reference with the model's score or the true label is
// compared with the event's prediction and label.
type derivedColumn struct {
	index int
	name  string
	value func(*event.Event) (event.Value, bool)
}

var eventFields = map[string]func(*event.Event) (event.Value, bool){
	"score": predictionScore, "prediction.score": predictionScore,
	"prediction": predictionLabel, "prediction.label": predictionLabel,
	"label": func(e *event.Event) (event.Value, bool) { return e.Label, e.Label.Kind != event.Null },
}

func predictionScore(e *event.Event) (event.Value, bool) {
	return event.NumberValue(e.Prediction.Score), e.Prediction.HasScore
}

func predictionLabel(e *event.Event) (event.Value, bool) {
	return e.Prediction.Label, e.Prediction.Label.Kind != event.Null
}

var _ pipeline.Windowed = (*Drift)(nil)

// NewDrift returns the drift adapter for a model.
func NewDrift(opts DriftOptions) (*Drift, error) {
	if opts.Reference == nil {
		return nil, fmt.Errorf("model %q: no reference profile", opts.Model)
	}
	if opts.Shards < 1 {
		opts.Shards = 1
	}
	d := &Drift{opts: opts, columns: map[string]int{}, bySpec: map[int][]int{}}
	d.template = drift.NewAccumulator(opts.Reference, opts.Columns)
	for i, c := range d.template.Columns {
		d.columns[c.Name] = i
		if f, ok := eventFields[c.Name]; ok {
			d.derived = append(d.derived, derivedColumn{i, c.Name, f})
		}
	}
	for wi, w := range opts.Windows {
		s, err := drift.NewSeries(opts.Reference, w.Kind, w.PanesPerWindow, w.MinEvents, opts.Compare)
		if err != nil {
			return nil, fmt.Errorf("model %q: %w", opts.Model, err)
		}
		d.series = append(d.series, s)
		d.bySpec[w.Spec] = append(d.bySpec[w.Spec], wi)
	}
	d.open = make([][]map[int64]*drift.Accumulator, opts.Shards)
	for s := range d.open {
		d.open[s] = make([]map[int64]*drift.Accumulator, len(opts.Windows))
		for w := range d.open[s] {
			d.open[s][w] = map[int64]*drift.Accumulator{}
		}
	}
	return d, nil
}

// Name implements pipeline.Detector.
func (d *Drift) Name() string { return "drift" }

// Observe adds the event's features to the shard's open panes.
func (d *Drift) Observe(shard int, ev *pipeline.Sequenced) []alert.Finding {
	for wi, w := range d.opts.Windows {
		idx := ev.Panes[w.Spec]
		if idx == pipeline.Late {
			continue
		}
		acc := d.open[shard][wi][idx]
		if acc == nil {
			acc = d.newAccumulator()
			d.open[shard][wi][idx] = acc
		}
		d.add(acc, ev.Event)
	}
	return nil
}

func (d *Drift) newAccumulator() *drift.Accumulator {
	acc := &drift.Accumulator{Columns: make([]drift.AccColumn, len(d.template.Columns))}
	for i, c := range d.template.Columns {
		acc.Columns[i] = drift.AccColumn{Name: c.Name, Type: c.Type}
		if c.Cats != nil {
			acc.Columns[i].Cats = map[string]int{}
		}
	}
	return acc
}

func (d *Drift) add(acc *drift.Accumulator, ev *event.Event) {
	acc.AddRow()
	for _, f := range ev.Features {
		i, ok := d.columns[f.Name]
		if !ok {
			continue
		}
		addValue(acc, i, f.Value)
	}
	for _, dc := range d.derived {
		if _, sent := ev.Feature(dc.name); sent {
			continue // a feature of that name wins
		}
		if v, ok := dc.value(ev); ok {
			addValue(acc, dc.index, v)
		}
	}
}

func addValue(acc *drift.Accumulator, i int, v event.Value) {
	switch v.Kind {
	case event.Number:
		acc.AddNumber(i, v.Num)
	case event.String:
		acc.AddString(i, v.Str)
	case event.Bool:
		acc.AddBool(i, v.Num != 0)
	default:
		acc.AddMissing(i)
	}
}

// Cut hands over the shard's partial of the closing pane.
func (d *Drift) Cut(shard int, m *pipeline.Marker) any {
	windows := d.bySpec[m.Spec]
	parts := make([]*drift.Accumulator, len(windows))
	for i, wi := range windows {
		parts[i] = d.open[shard][wi][m.Index]
		delete(d.open[shard][wi], m.Index)
	}
	return parts
}

// Close merges the shards' partials and evaluates every window ending with
// the pane.
func (d *Drift) Close(m *pipeline.Marker, parts []any) ([]alert.Finding, error) {
	var findings []alert.Finding
	for i, wi := range d.bySpec[m.Spec] {
		merged := d.newAccumulator()
		for _, p := range parts {
			if acc := p.([]*drift.Accumulator)[i]; acc != nil {
				merged.Merge(acc)
			}
		}
		res, err := d.series[wi].Add(drift.Pane{
			Index: m.Index, Acc: merged, FirstSeq: m.FirstSeq, LastSeq: m.LastSeq,
			Start: m.Start, End: m.End, Late: m.Late,
		})
		if err != nil {
			return findings, err
		}
		if res == nil {
			continue
		}
		if d.opts.OnWindow != nil {
			d.opts.OnWindow(d.opts.Model, res)
		}
		findings = append(findings, d.findings(res)...)
	}
	return findings, nil
}

// findings turns a window's report into findings: one per drifted column,
// one per data-quality issue.
func (d *Drift) findings(w *drift.WindowResult) []alert.Finding {
	var out []alert.Finding
	window := drift.Window{Kind: string(w.Kind), Start: w.Start.Format(time.RFC3339Nano), End: w.End.Format(time.RFC3339Nano),
		Events: w.Events, FirstSeq: w.FirstSeq, LastSeq: w.LastSeq}
	for _, c := range w.Report.Columns {
		if !c.DriftDetected {
			continue
		}
		summary := fmt.Sprintf("%s '%s' drift detected: %s statistic %.2f, effect size %.2f over %s",
			drift.ColumnNoun(c.Column), c.Column, c.Method, c.Statistic, c.EffectSize, count.Plural(w.Events, "event", "events"))
		// The model's own outputs moving is prediction drift: it can come
		// before labels do, and with inputs that look unchanged.
		kind := alert.KindDrift
		if drift.IsOutput(c.Column) {
			kind = alert.KindPredictionDrift
			summary = fmt.Sprintf("Prediction drift: %s '%s' has shifted: %s statistic %.2f, effect size %.2f over %s",
				strings.ToLower(drift.ColumnNoun(c.Column)), c.Column, c.Method, c.Statistic, c.EffectSize, count.Plural(w.Events, "event", "events"))
		}
		out = append(out, alert.Finding{
			Kind: kind, Severity: c.Severity, Model: d.opts.Model, Subject: c.Column,
			Score: c.EffectSize, Time: w.End, Evidence: alert.EvidenceOf(drift.ColumnEvidence(c, window, summary)),
		})
	}
	for _, q := range w.Report.Findings {
		out = append(out, alert.Finding{
			Kind: alert.KindDataQuality, Severity: alert.Medium, Model: d.opts.Model, Subject: q.Column,
			Time: w.End, Evidence: alert.EvidenceOf(drift.QualityEvidence{Detail: q.Detail, Window: window,
				Summary: fmt.Sprintf("Data quality of '%s': %s", q.Column, q.Detail)}),
		})
	}
	return out
}

var _ pipeline.Stateful = (*Drift)(nil)

// driftState is what a checkpoint keeps of a Drift: the panes each window
// holds and the shards' partials of the panes still open.
type driftState struct {
	Series [][]drift.Pane                   `json:"series"`
	Open   [][]map[int64]*drift.Accumulator `json:"open"`
}

// Snapshot implements pipeline.Stateful.
func (d *Drift) Snapshot() ([]byte, error) {
	st := driftState{Open: d.open}
	for _, s := range d.series {
		st.Series = append(st.Series, s.Panes())
	}
	return json.Marshal(st)
}

// Restore implements pipeline.Stateful. Partials saved by more shards than
// there are now go to shard 0: a pane's partials are merged whichever shard
// holds them.
func (d *Drift) Restore(b []byte) error {
	var st driftState
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	if len(st.Series) != len(d.series) {
		return fmt.Errorf("checkpoint has %d drift windows, the model %d", len(st.Series), len(d.series))
	}
	width := len(d.template.Columns)
	valid := func(acc *drift.Accumulator) bool { return acc != nil && len(acc.Columns) == width }
	for i, panes := range st.Series {
		for _, p := range panes {
			if !valid(p.Acc) {
				return fmt.Errorf("checkpoint: window %d pane %d does not fit the reference", i, p.Index)
			}
		}
		d.series[i].Restore(panes)
	}
	for shard, windows := range st.Open {
		target := shard % len(d.open)
		for w, open := range windows {
			if w >= len(d.open[target]) {
				return fmt.Errorf("checkpoint: more windows than the model has")
			}
			for idx, acc := range open {
				if !valid(acc) {
					return fmt.Errorf("checkpoint: open pane %d does not fit the reference", idx)
				}
				fixCats(acc)
				if prev := d.open[target][w][idx]; prev != nil {
					prev.Merge(acc)
				} else {
					d.open[target][w][idx] = acc
				}
			}
		}
	}
	for _, panes := range st.Series {
		for _, p := range panes {
			fixCats(p.Acc)
		}
	}
	return nil
}

// fixCats gives categorical columns decoded from JSON the map the
// accumulator expects even when they had no value.
func fixCats(acc *drift.Accumulator) {
	for i := range acc.Columns {
		if acc.Columns[i].Type == dataset.Categorical && acc.Columns[i].Cats == nil {
			acc.Columns[i].Cats = map[string]int{}
		}
	}
}
