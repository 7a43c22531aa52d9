package outlier

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/internal/textfmt"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/store"
)

// ReportSection is outlier screening's part of the security report: the
// period's screened inputs counted the lab's way from the per-minute
// summaries, and the users whose inputs were flagged.
func ReportSection() report.Section {
	return report.Section{
		Title: "ADVERSARIAL INPUTS", Kinds: []alert.Kind{alert.KindAdversarial}, Monitored: true,
		Describe: describeAlert, WindowKind: store.WindowOutliers, Measure: measure,
		Clean: "No user stands out from the rest of the traffic",
	}
}

// measure adds up the outlier summaries of the period the lab's way:
//
//	Anomalies Detected: 47 of 10,234 inputs (0.46%)
//	HIGH: 12 inputs with extreme values
func measure(ws []store.Window) (string, []string) {
	var total Summary
	var unscored int
	for _, w := range ws {
		var s struct {
			Summary
			Unscored int `json:"unscored"`
		}
		if json.Unmarshal(w.Report, &s) != nil {
			continue // a window the store could not give back whole is not counted
		}
		total.Add(s.Summary)
		unscored += s.Unscored
	}
	lines := total.SeverityLines()
	if c := topCounts(total.ByReason, 5); c != "" {
		lines = append(lines, "By reason: "+c)
	}
	if c := topCounts(total.ByFeature, 5); c != "" {
		lines = append(lines, "By feature: "+c)
	}
	if unscored > 0 {
		lines = append(lines, "Not scored (wrong feature types): "+count.Plural(unscored, "input", "inputs"))
	}
	return total.Headline(), lines
}

// topCounts lists the n largest counts, largest first, ties by name.
func topCounts(counts map[string]int, n int) string {
	keys := make([]string, 0, len(counts))
	for k, c := range counts {
		if c > 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s %s", k, count.Thousands(counts[k])))
	}
	return strings.Join(parts, ", ")
}

// describeAlert writes an adversarial alert: whose inputs, how many,
// how isolated, and why.
func describeAlert(a alert.Alert) (string, []string) {
	d := a.Details
	flagged, counted := d["flagged_in_hour"].(float64)
	inputs, _ := d["inputs_in_hour"].(float64)
	burst, _ := d["burst"].(bool)
	headline := fmt.Sprintf("User %s: an input far outside the reference", a.Subject)
	switch {
	case burst:
		headline = fmt.Sprintf("User %s: %s of %s in the hour", a.Subject,
			count.Plural(int(flagged), "anomalous input", "anomalous inputs"), count.Thousands(int(inputs)))
	case counted:
		headline += fmt.Sprintf(" (%s flagged of %s in the hour)", count.Thousands(int(flagged)), count.Plural(int(inputs), "input", "inputs"))
	}
	var lines []string
	if iso, ok := d["isolation"].(float64); ok {
		line := fmt.Sprintf("Isolation score %.2f", iso)
		if p, ok := d["burst_p"].(float64); ok && burst {
			base, _ := d["base_rate"].(float64)
			line += fmt.Sprintf(", burst %s against the %.2f%% flagged in the rest of the traffic", textfmt.P(p), 100*base)
		}
		lines = append(lines, line)
	}
	reasons, _ := d["reasons"].([]any)
	for _, r := range reasons[:min(3, len(reasons))] {
		if m, ok := r.(map[string]any); ok {
			if msg, _ := m["message"].(string); msg != "" {
				lines = append(lines, msg)
			}
		}
	}
	if id, _ := d["event_id"].(string); id != "" {
		lines = append(lines, "Latest flagged input: "+id)
	}
	return headline, lines
}

// Component is outlier screening as Warden's wiring knows it.
type Component struct{}

// Name implements component.Detector.
func (Component) Name() string { return "outlier" }

// Sections implements component.Detector.
func (Component) Sections() []report.Section { return []report.Section{ReportSection()} }
