package outlier

import (
	"fmt"
	"slices"
	"strings"

	"github.com/warden-ml/warden/alert"
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
	s := Summary{Inputs: len(verdicts), BySeverity: map[string]int{}, ByReason: map[string]int{}, ByFeature: map[string]int{}}
	var kinds, features []string
	for i := range verdicts {
		v := &verdicts[i]
		if !v.Anomaly {
			continue
		}
		s.Anomalies++
		s.BySeverity[v.Severity.String()]++
		kinds, features = kinds[:0], features[:0]
		for _, r := range v.Reasons {
			if !slices.Contains(kinds, r.Kind) {
				kinds = append(kinds, r.Kind)
				s.ByReason[r.Kind]++
			}
			if r.Feature != "" && !slices.Contains(features, r.Feature) {
				features = append(features, r.Feature)
				s.ByFeature[r.Feature]++
			}
		}
	}
	if s.Inputs > 0 {
		s.Rate = float64(s.Anomalies) / float64(s.Inputs)
	}
	return s
}

// severityLines are the lab's words for each severity, most severe first.
var severityLines = []struct {
	sev  alert.Severity
	text string
}{
	{alert.Critical, "inputs with extreme values"},
	{alert.High, "inputs with extreme values"},
	{alert.Medium, "unusual inputs"},
	{alert.Low, "slightly unusual inputs"},
}

// Text renders the summary for people:
//
//	Anomalies Detected: 47 of 10,234 inputs (0.46%)
//	HIGH: 12 inputs with extreme values
func (s Summary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Anomalies Detected: %s of %s inputs (%.2f%%)\n", thousands(s.Anomalies), thousands(s.Inputs), 100*s.Rate)
	for _, l := range severityLines {
		if n := s.BySeverity[l.sev.String()]; n > 0 {
			fmt.Fprintf(&b, "%s: %s %s\n", strings.ToUpper(l.sev.String()), thousands(n), l.text)
		}
	}
	writeCounts(&b, "By reason:", s.ByReason)
	writeCounts(&b, "By feature:", s.ByFeature)
	return b.String()
}

// writeCounts lists counts largest first, ties by name.
func writeCounts(b *strings.Builder, title string, counts map[string]int) {
	if len(counts) == 0 {
		return
	}
	keys := make([]string, 0, len(counts))
	width := 0
	for k := range counts {
		keys = append(keys, k)
		width = max(width, len(k))
	}
	slices.SortFunc(keys, func(a, c string) int {
		if counts[a] != counts[c] {
			return counts[c] - counts[a]
		}
		return strings.Compare(a, c)
	})
	b.WriteString(title + "\n")
	for _, k := range keys {
		fmt.Fprintf(b, "  %-*s %s\n", width, k, thousands(counts[k]))
	}
}

// thousands writes n with comma separators, as the lab's report does.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
