package outlier

import (
	"fmt"
	"slices"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/internal/safetext"
)

// Summary counts a batch of verdicts the way the lab's report does.
type Summary struct {
	Inputs    int     `json:"inputs"`
	Anomalies int     `json:"anomalies"`
	Rate      float64 `json:"rate"` // Anomalies / Inputs
	// BySeverity counts flagged inputs per severity name.
	BySeverity map[string]int `json:"by_severity"`
	// ByReason counts flagged inputs per reason kind; an input with several
	// reasons of one kind counts once.
	ByReason map[string]int `json:"by_reason"`
	// ByFeature counts flagged inputs per feature named in a reason.
	ByFeature map[string]int `json:"by_feature"`
}

// Summarize counts verdicts.
func Summarize(verdicts []Verdict) Summary {
	var s Summary
	s.init()
	for i := range verdicts {
		s.Count(&verdicts[i])
	}
	return s
}

// Count adds one verdict to the summary.
func (s *Summary) Count(v *Verdict) {
	s.init()
	s.Inputs++
	if v.Anomaly {
		s.Anomalies++
		s.BySeverity[v.Severity.String()]++
		// Each reason kind and feature once per input, without allocating:
		// an input has few reasons.
		for i, r := range v.Reasons {
			kindFirst, featureFirst := true, r.Feature != ""
			for _, q := range v.Reasons[:i] {
				kindFirst = kindFirst && q.Kind != r.Kind
				featureFirst = featureFirst && q.Feature != r.Feature
			}
			if kindFirst {
				s.ByReason[r.Kind]++
			}
			if featureFirst {
				s.ByFeature[r.Feature]++
			}
		}
	}
	s.Rate = float64(s.Anomalies) / float64(s.Inputs)
}

// Add adds t's counts to s.
func (s *Summary) Add(t Summary) {
	s.init()
	s.Inputs += t.Inputs
	s.Anomalies += t.Anomalies
	for k, n := range t.BySeverity {
		s.BySeverity[k] += n
	}
	for k, n := range t.ByReason {
		s.ByReason[k] += n
	}
	for k, n := range t.ByFeature {
		s.ByFeature[k] += n
	}
	if s.Inputs > 0 {
		s.Rate = float64(s.Anomalies) / float64(s.Inputs)
	}
}

func (s *Summary) init() {
	if s.BySeverity == nil {
		s.BySeverity = map[string]int{}
	}
	if s.ByReason == nil {
		s.ByReason = map[string]int{}
	}
	if s.ByFeature == nil {
		s.ByFeature = map[string]int{}
	}
}

// severityLines are the lab's words for each severity, most severe first.
var severityLines = []struct {
	sev       alert.Severity
	one, many string
}{
	{alert.Critical, "input with extreme values", "inputs with extreme values"},
	{alert.High, "input with extreme values", "inputs with extreme values"},
	{alert.Medium, "unusual input", "unusual inputs"},
	{alert.Low, "slightly unusual input", "slightly unusual inputs"},
}

// Headline is the lab's "Anomalies Detected: 47 of 10,234 inputs (0.46%)".
func (s Summary) Headline() string {
	return fmt.Sprintf("Anomalies Detected: %s of %s (%.2f%%)", count.Thousands(s.Anomalies), count.Plural(s.Inputs, "input", "inputs"), 100*s.Rate)
}

// SeverityLines are the lab's lines per severity, most severe first:
// "HIGH: 12 inputs with extreme values".
func (s Summary) SeverityLines() []string {
	var lines []string
	for _, l := range severityLines {
		if n := s.BySeverity[l.sev.String()]; n > 0 {
			lines = append(lines, fmt.Sprintf("%s: %s", strings.ToUpper(l.sev.String()), count.Plural(n, l.one, l.many)))
		}
	}
	return lines
}

// Text renders the summary for people:
//
//	Anomalies Detected: 47 of 10,234 inputs (0.46%)
//	HIGH: 12 inputs with extreme values
func (s Summary) Text() string {
	var b strings.Builder
	b.WriteString(s.Headline() + "\n")
	for _, l := range s.SeverityLines() {
		b.WriteString(l + "\n")
	}
	writeCounts(&b, "By reason:", s.ByReason)
	writeCounts(&b, "By feature:", s.ByFeature)
	return b.String()
}

// writeCounts lists counts largest first, ties by name. The names are
// features of the data, so they are escaped for the terminal.
func writeCounts(b *strings.Builder, title string, counts map[string]int) {
	if len(counts) == 0 {
		return
	}
	keys := make([]string, 0, len(counts))
	width := 0
	for k := range counts {
		keys = append(keys, k)
		width = max(width, len(safetext.Escape(k)))
	}
	slices.SortFunc(keys, func(a, c string) int {
		if counts[a] != counts[c] {
			return counts[c] - counts[a]
		}
		return strings.Compare(a, c)
	})
	b.WriteString(title + "\n")
	for _, k := range keys {
		fmt.Fprintf(b, "  %-*s %s\n", width, safetext.Escape(k), count.Thousands(counts[k]))
	}
}
