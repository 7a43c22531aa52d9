package drift

import (
	"strings"
	"testing"

	"github.com/warden-ml/warden/alert"
)

// Evidence written by the detector reads back, through the store's JSON,
// into the report's lines; evidence that is not drift's says so instead of
// losing lines.
func TestEvidenceReadsBack(t *testing.T) {
	w := Window{Kind: "count", End: "2026-01-01T12:00:00Z", Events: 1000}
	numeric := &ColumnResult{Column: "amount", Method: MethodKS, Statistic: 0.45, PAdjusted: 1e-12, Threshold: 1e-4, Unit: "$",
		Reference: &NumericSummary{Mean: 245.12}, Current: &NumericSummary{Mean: 523.45}}
	categorical := &ColumnResult{Column: "merchant", Method: MethodChi2, Statistic: 812.5, PAdjusted: 1e-5, Threshold: 1e-4, EffectSize: 0.31,
		Reference: &CategoricalSummary{Top: []Share{{"grocery", 0.4}}}, Current: &CategoricalSummary{Top: []Share{{"crypto", 0.35}}}}
	for _, tc := range []struct {
		kind alert.Kind
		c    *ColumnResult
		want []string
	}{
		{alert.KindDrift, numeric, []string{"KS statistic 0.45, p < 1e-10 (threshold p < 0.0001)", "Production mean: $523.45 vs Reference: $245.12",
			"Window: last 1,000 events to 2026-01-01T12:00:00Z"}},
		{alert.KindDrift, categorical, []string{"Chi-square 812.50, p = 1.0e-05 (threshold p < 0.0001), distance 0.31",
			"Production top: 'crypto' 35.0% vs Reference top: 'grocery' 40.0%", "Window: last 1,000 events to 2026-01-01T12:00:00Z"}},
	} {
		details := alert.EvidenceOf(ColumnEvidence(tc.c, w, "s"))
		_, lines := describeAlert(alert.Alert{Type: tc.kind, Subject: tc.c.Column, Details: details})
		if strings.Join(lines, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.c.Column, lines, tc.want)
		}
	}
	q := alert.EvidenceOf(QualityEvidence{Detail: "unseen categories", Window: w})
	if _, lines := describeAlert(alert.Alert{Type: alert.KindDataQuality, Subject: "m", Details: q}); len(lines) != 1 || lines[0] != "unseen categories" {
		t.Errorf("data quality: %q", lines)
	}
	_, lines := describeAlert(alert.Alert{Type: alert.KindDrift, Subject: "x", Details: map[string]any{"statistic": "high"}})
	if len(lines) != 1 || !strings.Contains(lines[0], "evidence unreadable") {
		t.Errorf("foreign evidence: %q", lines)
	}
}
