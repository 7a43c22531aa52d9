package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/store"
)

// Section is one part of the report: the finding kinds it covers and how an
// alert of those kinds reads. A detector's component gives its section;
// until one does, the section says "not monitored" (Layout).
type Section struct {
	Title string
	Kinds []alert.Kind
	// Monitored says whether a detector raises these kinds yet.
	Monitored bool
	// Describe writes an alert as a headline and detail lines; nil uses
	// the alert's summary.
	Describe func(a alert.Alert) (headline string, lines []string)
	// Summarize writes the section's one-line summary of its items.
	Summarize func(items []Item) string
	// Measure, when set, summarises the period's windows of WindowKind
	// (counts of what the detector saw, alerted or not) into the
	// section's summary and detail lines; it replaces Summarize's line.
	// The detector is taken to be off for the period's models when they
	// had traffic in it but no window of WindowKind.
	WindowKind string
	Measure    func(ws []store.Window) (summary string, lines []string)
	// StateWindows, when set, are the window kinds whose newest
	// evaluation is the models' current state: its findings of the
	// section's kinds are reported even when they were last alerted
	// before the period (an alert is not repeated while its problem
	// lasts).
	StateWindows []string
	// Clean is what the section says when nothing was found; "" means
	// StatusClean's "No findings".
	Clean string
}

// periodData is what a section is built from.
type periodData struct {
	alerts        []alert.Alert   // raised in the period
	current       []alert.Finding // of the models' newest evaluations (StateWindows)
	windows       []store.Window  // of WindowKind, ending in the period
	traffic       bool            // the models had events in the period
	everMonitored bool            // some model has a window of WindowKind
}

// placeholders are the report's sections before any detector fills them:
// every threat the report covers, in its order, "not monitored" until a
// component brings the detector that raises its kinds (Layout). Whoever
// cuts a model's events off blinds every other section, so feed gaps,
// which the service itself finds, are always watched.
var placeholders = []Section{
	{Title: "DRIFT DETECTION", Kinds: []alert.Kind{alert.KindDrift, alert.KindPredictionDrift, alert.KindDataQuality}},
	{Title: "ADVERSARIAL INPUTS", Kinds: []alert.Kind{alert.KindAdversarial}},
	{Title: "EXTRACTION ATTEMPTS", Kinds: []alert.Kind{alert.KindExtraction, alert.KindUsage}},
	{Title: "PROMPT INJECTION", Kinds: []alert.Kind{alert.KindPromptInjection, alert.KindPromptLeak}},
	{Title: "FEED GAPS", Kinds: []alert.Kind{alert.KindFeed}, Monitored: true,
		Clean: "No gaps found; models with an expect_every are watched"},
}

// Layout is the report's sections: the placeholders in their order, each
// replaced by the detector section with its title, and any other detector
// section after them.
func Layout(detectors []Section) []Section {
	out := slices.Clone(placeholders)
	for _, d := range detectors {
		if i := slices.IndexFunc(out, func(s Section) bool { return s.Title == d.Title }); i >= 0 {
			out[i] = d
		} else {
			out = append(out, d)
		}
	}
	return out
}

func (s Section) empty(haveModels bool) *SectionResult {
	res := &SectionResult{Title: s.Title, Kinds: s.Kinds, Items: []Item{}, Status: StatusClean}
	if !s.Monitored || !haveModels {
		res.Status = StatusNotMonitored
	}
	return res
}

// build keeps, per (model, kind, subject), the worst alert of the period,
// most severe first, and adds the current findings no alert of the period
// covers.
func (s Section) build(in periodData, haveModels bool) *SectionResult {
	res := s.empty(haveModels)
	if res.Status == StatusNotMonitored {
		return res
	}
	if s.WindowKind != "" && len(in.windows) == 0 && (in.traffic || !in.everMonitored) {
		res.Status = StatusNotMonitored
		return res
	}
	type key struct {
		model, subject string
		kind           alert.Kind
	}
	worst := map[key]alert.Alert{}
	counts := map[key]int{}
	for _, a := range in.alerts {
		if !slices.Contains(s.Kinds, a.Type) {
			continue
		}
		k := key{a.Model, a.Subject, a.Type}
		counts[k]++
		if w, ok := worst[k]; !ok || a.Severity > w.Severity || (a.Severity == w.Severity && a.Time.After(w.Time)) {
			worst[k] = a
		}
	}
	for _, f := range in.current {
		k := key{f.Model, f.Subject, f.Kind}
		if _, alerted := worst[k]; alerted || !slices.Contains(s.Kinds, f.Kind) {
			continue
		}
		worst[k] = alert.Alert{Time: f.Time, Type: f.Kind, Severity: f.Severity, Model: f.Model, Subject: f.Subject,
			Summary: fmt.Sprintf("%s finding on %s", f.Kind, f.Subject), Details: f.Evidence}
	}
	for k, a := range worst {
		headline, lines := a.Summary, []string(nil)
		if s.Describe != nil {
			headline, lines = s.Describe(a)
		}
		if counts[k] == 0 {
			lines = append(lines, "Still found at the latest evaluation; last alerted before this period")
		}
		res.Items = append(res.Items, Item{Severity: a.Severity, Model: a.Model, Kind: a.Type, Subject: a.Subject,
			Headline: headline, Lines: lines, Alerts: counts[k], Time: a.Time})
	}
	slices.SortFunc(res.Items, func(a, b Item) int {
		if a.Severity != b.Severity {
			return int(b.Severity) - int(a.Severity)
		}
		if a.Kind != b.Kind {
			return strings.Compare(string(a.Kind), string(b.Kind))
		}
		if a.Model != b.Model {
			return strings.Compare(a.Model, b.Model)
		}
		return strings.Compare(a.Subject, b.Subject)
	})
	if len(res.Items) > 0 {
		res.Status = StatusFindings
		if s.Summarize != nil {
			res.Summary = s.Summarize(res.Items)
		}
	}
	if s.Measure != nil && len(in.windows) > 0 {
		res.Summary, res.Lines = s.Measure(in.windows)
	}
	if res.Status == StatusClean {
		res.Clean = s.Clean
	}
	return res
}
