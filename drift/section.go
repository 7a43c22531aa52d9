package drift

import (
	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/internal/count"
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

// Component is the drift detector as Warden's wiring knows it.
type Component struct{}

// Name implements component.Detector.
func (Component) Name() string { return "drift" }

// Sections implements component.Detector.
func (Component) Sections() []report.Section { return []report.Section{ReportSection()} }
