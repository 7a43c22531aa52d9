package report_test

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/outlier"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/store"
	"github.com/warden-ml/warden/store/sqlite"
)

func ExampleBuild() {
	// The report reads a store as warden serve fills it.
	dir, err := os.MkdirTemp("", "report-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(filepath.Join(dir, "warden.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()
	end := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	const model = "fraud_detection_v2"
	db.PutModel(ctx, store.Model{Name: model})
	db.AddWindow(ctx, store.Window{Model: model, Kind: store.WindowTraffic, Start: end.Add(-time.Minute), End: end, Events: 10234})
	db.AddWindow(ctx, store.Window{Model: model, Kind: store.WindowOutliers, Start: end.Add(-time.Minute), End: end,
		Report: []byte(`{"inputs":10234,"anomalies":47,"by_severity":{"high":12,"low":35},"by_reason":{"isolation":47}}`)})
	db.UpsertAlert(ctx, alert.Alert{
		ID: "a1", Fingerprint: "f1", Type: alert.KindAdversarial, Severity: alert.Critical, Model: model,
		Subject: "api_user_847", Time: end.Add(-time.Hour),
		Details: map[string]any{"flagged_in_hour": 12, "inputs_in_hour": 15, "burst": true, "isolation": 0.83,
			"burst_p": 1e-20, "base_rate": 0.005},
	})
	// Each detector's component gives its section; outlier screening's
	// covers adversarial inputs.
	rep, err := report.Build(ctx, db, report.Options{Sections: []report.Section{outlier.ReportSection()}})
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
