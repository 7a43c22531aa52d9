package report

import (
	"fmt"
	"github.com/warden-ml/warden/internal/count"
	"slices"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/store"
)

// Section is one part of the report: the finding kinds it covers and how an
// alert of those kinds reads. A detector registers its section with
// Register when it lands; until then its section says "not monitored".
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

var sections []Section

// Register adds a section, or replaces the one with the same title (a
// detector taking over its "not monitored" placeholder). Sections appear in
// registration order.
func Register(s Section) {
	for i := range sections {
		if sections[i].Title == s.Title {
			sections[i] = s
			return
		}
	}
	sections = append(sections, s)
}

func init() {
	Register(Section{
		Title: "DRIFT DETECTION", Kinds: []alert.Kind{alert.KindDrift, alert.KindPredictionDrift, alert.KindDataQuality}, Monitored: true,
		Describe:     describeDrift,
		StateWindows: []string{store.WindowCount, store.WindowTumbling, store.WindowSliding},
		Summarize: func(items []Item) string {
			n := map[alert.Kind]int{}
			for _, it := range items {
				n[it.Kind]++
			}
			s := count.Plural(n[alert.KindDrift], "drifting column", "drifting columns")
			if p := n[alert.KindPredictionDrift]; p > 0 {
				s += ", " + count.Plural(p, "shifted model output", "shifted model outputs")
			}
			return s + ", " + count.Plural(n[alert.KindDataQuality], "data-quality issue", "data-quality issues")
		},
	})
	// The threats whose detectors come next: their sections are here from
	// the start so the report's shape does not change when they land.
	Register(Section{
		Title: "ADVERSARIAL INPUTS", Kinds: []alert.Kind{alert.KindAdversarial}, Monitored: true,
		Describe: describeAdversarial, WindowKind: store.WindowOutliers, Measure: measureOutliers,
		Clean: "No user stands out from the rest of the traffic",
	})
	Register(Section{Title: "EXTRACTION ATTEMPTS", Kinds: []alert.Kind{alert.KindExtraction, alert.KindUsage}})
	Register(Section{Title: "PROMPT INJECTION", Kinds: []alert.Kind{alert.KindPromptInjection, alert.KindPromptLeak}})
	// Whoever cuts a model's events off blinds every section above.
	Register(Section{
		Title: "FEED GAPS", Kinds: []alert.Kind{alert.KindFeed}, Monitored: true,
		Clean: "No gaps found; models with an expect_every are watched",
	})
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

// describeDrift writes a drift alert as the lab does: the statistic and
// p-value against the threshold, then production against reference.
func describeDrift(a alert.Alert) (string, []string) {
	d := a.Details
	if a.Type == alert.KindDataQuality {
		detail, _ := d["detail"].(string)
		return fmt.Sprintf("Data quality of '%s'", a.Subject), []string{detail}
	}
	headline := fmt.Sprintf("%s '%s' drift detected", drift.ColumnNoun(a.Subject), a.Subject)
	if a.Type == alert.KindPredictionDrift {
		headline = fmt.Sprintf("Prediction drift: %s '%s' has shifted", strings.ToLower(drift.ColumnNoun(a.Subject)), a.Subject)
	}
	var lines []string
	method, _ := d["method"].(string)
	stat, _ := d["statistic"].(float64)
	p, hasP := d["p_adjusted"].(float64)
	threshold, _ := d["threshold"].(float64)
	effect, _ := d["effect_size"].(float64)
	pText := ""
	if hasP {
		pText = fmt.Sprintf(", %s (threshold p < %g)", drift.FormatP(p), threshold)
	}
	switch method {
	case "ks":
		lines = append(lines, fmt.Sprintf("KS statistic %.2f%s", stat, pText))
	case "chi2":
		lines = append(lines, fmt.Sprintf("Chi-square %.2f%s, distance %.2f", stat, pText, effect))
	case "z":
		lines = append(lines, fmt.Sprintf("z %.2f%s, difference %.2f", stat, pText, effect))
	}
	unit, _ := d["unit"].(string)
	ref, _ := d["reference"].(map[string]any)
	cur, _ := d["current"].(map[string]any)
	if rm, ok := ref["mean"].(float64); ok {
		if cm, ok := cur["mean"].(float64); ok {
			lines = append(lines, fmt.Sprintf("Production mean: %s vs Reference: %s", drift.FormatValue(cm, unit), drift.FormatValue(rm, unit)))
		}
	} else if top := topShare(cur); top != "" {
		lines = append(lines, fmt.Sprintf("Production top: %s vs Reference top: %s", top, topShare(ref)))
	}
	if w, ok := d["window"].(map[string]any); ok {
		if n, ok := w["events"].(float64); ok {
			lines = append(lines, fmt.Sprintf("Window: last %s to %v", count.Plural(int(n), "event", "events"), w["end"]))
		}
	}
	return headline, lines
}

func topShare(summary map[string]any) string {
	top, _ := summary["top"].([]any)
	if len(top) == 0 {
		return ""
	}
	first, _ := top[0].(map[string]any)
	v, _ := first["value"].(string)
	share, _ := first["share"].(float64)
	return fmt.Sprintf("'%s' %.1f%%", v, 100*share)
}
