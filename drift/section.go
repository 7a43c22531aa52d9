package drift

import (
	"fmt"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/internal/textfmt"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/store"
)

// ReportSection is drift's part of the security report: drifting columns,
// shifted model outputs and data-quality issues, each as the lab writes
// them; the newest evaluation of every window counts as the current state.
func ReportSection() report.Section {
	return report.Section{
		Title: "DRIFT DETECTION", Kinds: []alert.Kind{alert.KindDrift, alert.KindPredictionDrift, alert.KindDataQuality}, Monitored: true,
		Describe:     describeAlert,
		StateWindows: []string{store.WindowCount, store.WindowTumbling, store.WindowSliding},
		Summarize: func(items []report.Item) string {
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
	}
}

// describeAlert writes a drift alert as the lab does: the statistic and
// p-value against the threshold, then production against reference.
func describeAlert(a alert.Alert) (string, []string) {
	d := a.Details
	if a.Type == alert.KindDataQuality {
		detail, _ := d["detail"].(string)
		return fmt.Sprintf("Data quality of '%s'", a.Subject), []string{detail}
	}
	headline := fmt.Sprintf("%s '%s' drift detected", ColumnNoun(a.Subject), a.Subject)
	if a.Type == alert.KindPredictionDrift {
		headline = fmt.Sprintf("Prediction drift: %s '%s' has shifted", strings.ToLower(ColumnNoun(a.Subject)), a.Subject)
	}
	var lines []string
	method, _ := d["method"].(string)
	stat, _ := d["statistic"].(float64)
	p, hasP := d["p_adjusted"].(float64)
	threshold, _ := d["threshold"].(float64)
	effect, _ := d["effect_size"].(float64)
	pText := ""
	if hasP {
		pText = fmt.Sprintf(", %s (threshold p < %g)", textfmt.P(p), threshold)
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
			lines = append(lines, fmt.Sprintf("Production mean: %s vs Reference: %s", FormatValue(cm, unit), FormatValue(rm, unit)))
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

// Component is the drift detector as Warden's wiring knows it.
type Component struct{}

// Name implements component.Detector.
func (Component) Name() string { return "drift" }

// Sections implements component.Detector.
func (Component) Sections() []report.Section { return []report.Section{ReportSection()} }
