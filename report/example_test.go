package report_test

import (
	"context"
	"os"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/store"
)

// memory is a Source with one model, its windows and alerts.
type memory struct {
	windows []store.Window
	alerts  []store.AlertRecord
}

func (m memory) Models(context.Context) ([]store.Model, error) {
	return []store.Model{{Name: "fraud_detection_v2"}}, nil
}

func (m memory) Windows(_ context.Context, f store.WindowFilter) ([]store.Window, error) {
	var out []store.Window
	for _, w := range m.windows {
		for _, k := range f.Kinds {
			if w.Kind == k {
				out = append(out, w)
			}
		}
		if len(f.Kinds) == 0 {
			out = append(out, w)
		}
	}
	return out, nil
}

func (m memory) Alerts(context.Context, store.AlertFilter) ([]store.AlertRecord, error) {
	return m.alerts, nil
}

func ExampleBuild() {
	end := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	src := memory{
		windows: []store.Window{
			{Model: "fraud_detection_v2", Kind: store.WindowCount, End: end, FirstSeq: 0, LastSeq: 10233},
			{Model: "fraud_detection_v2", Kind: store.WindowOutliers, End: end,
				Report: []byte(`{"inputs":10234,"anomalies":47,"by_severity":{"high":12,"low":35},"by_reason":{"isolation":47}}`)},
		},
		alerts: []store.AlertRecord{{Alert: alert.Alert{
			ID: "a1", Type: alert.KindAdversarial, Severity: alert.Critical, Model: "fraud_detection_v2",
			Subject: "api_user_847", Time: end.Add(-time.Hour),
			Details: map[string]any{"flagged_in_hour": 12.0, "inputs_in_hour": 15.0, "burst": true, "isolation": 0.83,
				"burst_p": 1e-20, "base_rate": 0.005},
		}}},
	}
	rep, err := report.Build(context.Background(), src, report.Options{})
	if err != nil {
		panic(err)
	}
	rep.Sections = rep.Sections[1:2] // the adversarial section alone
	rep.WriteText(os.Stdout, report.TextOptions{})
	// Output:
	// ML SECURITY MONITORING REPORT
	// Period: Last 24 hours (2026-01-01 00:00 to 2026-01-02 00:00 UTC)   Model: fraud_detection_v2
	// Events monitored: 10,234
	//
	// ADVERSARIAL INPUTS
	// ------------------
	// Anomalies Detected: 47 of 10,234 inputs (0.46%)
	//    HIGH: 12 inputs with extreme values
	//    LOW: 35 slightly unusual inputs
	//    By reason: isolation 47
	// CRITICAL: User api_user_847: 12 anomalous inputs of 15 in the hour
	//    Isolation score 0.83, burst p < 1e-10 against the 0.50% flagged in the rest of the traffic
	//
	// RECOMMENDATIONS
	// ---------------
	// 1. Block api_user_847's anomalous inputs to fraud_detection_v2 and review them for crafted attacks (CRITICAL)
}
