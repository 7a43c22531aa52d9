package outlier

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/internal/count"
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

// Component is outlier screening as Warden's wiring knows it.
type Component struct{}

// Name implements component.Detector.
func (Component) Name() string { return "outlier" }

// Sections implements component.Detector.
func (Component) Sections() []report.Section { return []report.Section{ReportSection()} }
