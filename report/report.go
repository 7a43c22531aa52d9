// Package report builds the ML security monitoring report: for a period of
// event time and one or all models, a section per threat (drift,
// adversarial inputs, extraction attempts, prompt injection, ...) and
// recommendations from one rule table. Sections register themselves, so a
// detector that lands adds its section without touching the others.
package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/store"
)

// Source is what a report reads: the store, or anything answering the same.
type Source interface {
	Models(ctx context.Context) ([]store.Model, error)
	Windows(ctx context.Context, f store.WindowFilter) ([]store.Window, error)
	Alerts(ctx context.Context, f store.AlertFilter) ([]store.AlertRecord, error)
}

// Options select what a report covers.
type Options struct {
	Model  string        // "" for every model
	Period time.Duration // back from the newest event time in the store; 0 means 24h
}

// Report is the whole report; its JSON form is `warden report --format json`
// and GET /v1/report.
type Report struct {
	Title           string           `json:"title"`
	From            time.Time        `json:"from"`
	To              time.Time        `json:"to"`
	Period          string           `json:"period"`
	Models          []string         `json:"models"`
	Events          int              `json:"events"` // events in the evaluated windows of the period
	Sections        []*SectionResult `json:"sections"`
	Recommendations []Recommendation `json:"recommendations"`
}

// SectionResult is one section of a report.
type SectionResult struct {
	Title   string       `json:"title"`
	Status  string       `json:"status"` // "findings", "no findings" or "not monitored"
	Summary string       `json:"summary,omitempty"`
	Lines   []string     `json:"lines,omitempty"` // details of the summary
	Items   []Item       `json:"items"`
	Kinds   []alert.Kind `json:"kinds"`
}

// Item is one entry of a section: the worst alert about one subject.
type Item struct {
	Severity alert.Severity `json:"severity"`
	Model    string         `json:"model"`
	Kind     alert.Kind     `json:"kind"`
	Subject  string         `json:"subject"`
	Headline string         `json:"headline"`
	Lines    []string       `json:"lines,omitempty"`
	Alerts   int            `json:"alerts"` // alerts about this subject in the period
	Time     time.Time      `json:"time"`   // of the worst alert
}

// Status values.
const (
	StatusFindings     = "findings"
	StatusClean        = "no findings"
	StatusNotMonitored = "not monitored"
)

// maxAlerts and maxWindows bound what one report reads.
const (
	maxAlerts  = 100000
	maxWindows = 100000
)

// Build reads the source and assembles the report.
func Build(ctx context.Context, src Source, opts Options) (*Report, error) {
	if opts.Period <= 0 {
		opts.Period = 24 * time.Hour
	}
	models, err := src.Models(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range models {
		if opts.Model == "" || m.Name == opts.Model {
			names = append(names, m.Name)
		}
	}
	if opts.Model != "" && len(names) == 0 {
		return nil, fmt.Errorf("%w: model %q", store.ErrNotFound, opts.Model)
	}
	slices.Sort(names)

	// The period ends at the newest event time any watched model has seen,
	// so a replayed day is reported as it happened.
	var to time.Time
	for _, n := range names {
		ws, err := src.Windows(ctx, store.WindowFilter{Model: n, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(ws) > 0 && ws[0].End.After(to) {
			to = ws[0].End
		}
	}
	r := &Report{Title: "ML SECURITY MONITORING REPORT", Models: names, Period: describe(opts.Period),
		Sections: []*SectionResult{}, Recommendations: []Recommendation{}}
	if to.IsZero() {
		// Nothing evaluated yet: an empty report of the sections.
		for _, s := range sections {
			r.Sections = append(r.Sections, s.empty(len(names) > 0))
		}
		r.Recommendations = recommend(nil)
		return r, nil
	}
	r.To, r.From = to, to.Add(-opts.Period)
	for _, n := range names {
		events, err := eventsIn(ctx, src, n, r.From, r.To)
		if err != nil {
			return nil, err
		}
		r.Events += events
	}
	recs, err := src.Alerts(ctx, store.AlertFilter{Model: opts.Model, Since: r.From, Limit: maxAlerts})
	if err != nil {
		return nil, err
	}
	var alerts []alert.Alert
	for _, rec := range recs {
		if !rec.Time.After(r.To) && slices.Contains(names, rec.Model) {
			alerts = append(alerts, rec.Alert)
		}
	}
	var items []Item
	for _, s := range sections {
		res := s.build(alerts, len(names) > 0)
		if s.Measure != nil && res.Status != StatusNotMonitored {
			ws, err := windowsIn(ctx, src, names, s.WindowKind, r.From, r.To)
			if err != nil {
				return nil, err
			}
			if len(ws) > 0 {
				res.Summary, res.Lines = s.Measure(ws)
			}
		}
		r.Sections = append(r.Sections, res)
		items = append(items, res.Items...)
	}
	r.Recommendations = recommend(items)
	return r, nil
}

// windowsIn lists the models' windows of a kind that end in the period.
func windowsIn(ctx context.Context, src Source, models []string, kind string, from, to time.Time) ([]store.Window, error) {
	var out []store.Window
	for _, m := range models {
		ws, err := src.Windows(ctx, store.WindowFilter{Model: m, Kinds: []string{kind}, Limit: maxWindows})
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			if w.End.After(from) && !w.End.After(to) {
				out = append(out, w)
			}
		}
	}
	return out, nil
}

// eventsIn counts the events of the model's count windows that end in the
// period: count windows tile the stream, so each event is counted once per
// pane; the newest window holds the most recent panes.
func eventsIn(ctx context.Context, src Source, model string, from, to time.Time) (int, error) {
	ws, err := src.Windows(ctx, store.WindowFilter{Model: model, Kinds: []string{store.WindowCount}, Limit: maxWindows})
	if err != nil {
		return 0, err
	}
	var first, last int64 = -1, -1
	for _, w := range ws {
		if w.End.Before(from) || w.End.After(to) {
			continue
		}
		if last < 0 || w.LastSeq > last {
			last = w.LastSeq
		}
		if first < 0 || w.FirstSeq < first {
			first = w.FirstSeq
		}
	}
	if last < 0 {
		return 0, nil
	}
	return int(last - first + 1), nil
}

func describe(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0 && d > 24*time.Hour:
		return fmt.Sprintf("Last %d days", d/(24*time.Hour))
	case d%time.Hour == 0:
		if d == time.Hour {
			return "Last hour"
		}
		return fmt.Sprintf("Last %d hours", d/time.Hour)
	}
	return "Last " + d.String()
}

// ParsePeriod reads "24h", "7d", "90m".
func ParsePeriod(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != days {
			return 0, fmt.Errorf("period %q: want a duration such as 24h or 7d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errors.New("period " + fmt.Sprintf("%q", s) + ": want a duration such as 24h or 7d")
	}
	return d, nil
}
