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
	Findings(ctx context.Context, model string, since time.Time, limit int) ([]alert.Finding, error)
}

// Options select what a report covers.
type Options struct {
	Model  string        // "" for every model
	Period time.Duration // back from the newest event time in the store; 0 means 24h
	// Sections are the detectors' sections (their components give them);
	// the threats none covers are reported as not monitored.
	Sections []Section
}

// Report is the whole report; its JSON form is `warden report --format json`
// and GET /v1/report.
type Report struct {
	Title           string           `json:"title"`
	From            time.Time        `json:"from"`
	To              time.Time        `json:"to"`
	Period          string           `json:"period"`
	Models          []string         `json:"models"`
	Events          int              `json:"events"` // events in the period, counted per minute of event time once the minute has closed
	Sections        []*SectionResult `json:"sections"`
	Recommendations []Recommendation `json:"recommendations"`
}

// SectionResult is one section of a report.
type SectionResult struct {
	Title   string       `json:"title"`
	Status  string       `json:"status"` // "findings", "no findings" or "not monitored"
	Summary string       `json:"summary,omitempty"`
	Lines   []string     `json:"lines,omitempty"` // details of the summary
	Clean   string       `json:"clean,omitempty"` // what a section with no findings says instead of "No findings"
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

// maxAlerts, maxWindows and maxFindings bound what one report reads.
const (
	maxAlerts   = 100000
	maxWindows  = 100000
	maxFindings = 10000
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
	sections := Layout(opts.Sections)
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
	traffic, err := windowsIn(ctx, src, names, []string{store.WindowTraffic}, r.From, r.To)
	if err != nil {
		return nil, err
	}
	for _, w := range traffic {
		r.Events += w.Events
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
		in := periodData{alerts: alerts, traffic: len(traffic) > 0}
		if s.Monitored && s.WindowKind != "" {
			if in.windows, err = windowsIn(ctx, src, names, []string{s.WindowKind}, r.From, r.To); err != nil {
				return nil, err
			}
			if in.everMonitored, err = anyWindow(ctx, src, names, s.WindowKind); err != nil {
				return nil, err
			}
		}
		if s.Monitored && len(s.StateWindows) > 0 {
			if in.current, err = latestFindings(ctx, src, names, s.StateWindows, r.To); err != nil {
				return nil, err
			}
		}
		res := s.build(in, len(names) > 0)
		r.Sections = append(r.Sections, res)
		items = append(items, res.Items...)
	}
	r.Recommendations = recommend(items)
	return r, nil
}

// windowsIn lists the models' windows of some kinds that end in the period.
func windowsIn(ctx context.Context, src Source, models []string, kinds []string, from, to time.Time) ([]store.Window, error) {
	var out []store.Window
	for _, m := range models {
		ws, err := src.Windows(ctx, store.WindowFilter{Model: m, Kinds: kinds, EndAfter: from, EndUntil: to, Limit: maxWindows})
		if err != nil {
			return nil, err
		}
		out = append(out, ws...)
	}
	return out, nil
}

// anyWindow reports whether any of the models has a window of the kind.
func anyWindow(ctx context.Context, src Source, models []string, kind string) (bool, error) {
	for _, m := range models {
		ws, err := src.Windows(ctx, store.WindowFilter{Model: m, Kinds: []string{kind}, Limit: 1})
		if err != nil || len(ws) > 0 {
			return len(ws) > 0, err
		}
	}
	return false, nil
}

// latestFindings gives, per model, the findings of its newest evaluation
// (the newest window of the kinds ending by to): the state the model is in
// at the end of the period, however long ago it was last alerted.
func latestFindings(ctx context.Context, src Source, models []string, kinds []string, to time.Time) ([]alert.Finding, error) {
	var out []alert.Finding
	for _, m := range models {
		ws, err := src.Windows(ctx, store.WindowFilter{Model: m, Kinds: kinds, EndUntil: to, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(ws) == 0 {
			continue
		}
		fs, err := src.Findings(ctx, m, ws[0].End, maxFindings)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if f.Time.Equal(ws[0].End) {
				out = append(out, f)
			}
		}
	}
	return out, nil
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
