package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/outlier"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/store"
	"github.com/warden-ml/warden/store/sqlite"
)

// detectorSections are the sections the detectors give the report.
var detectorSections = []report.Section{drift.ReportSection(), outlier.ReportSection()}

// testStore is a real store holding the models, windows (Model set by the
// map key), alerts and findings.
func testStore(t *testing.T, models []string, windows map[string][]store.Window, alerts []store.AlertRecord, findings ...alert.Finding) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "warden.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	for _, m := range models {
		must(t, db.PutModel(ctx, store.Model{Name: m}))
	}
	for m, ws := range windows {
		for _, w := range ws {
			w.Model = m
			must(t, db.AddWindow(ctx, w))
		}
	}
	for _, a := range alerts {
		a.Fingerprint = alert.Fingerprint(a.Model, a.Type, a.Subject)
		_, _, err := db.UpsertAlert(ctx, a.Alert)
		must(t, err)
	}
	for _, f := range findings {
		must(t, db.RecordFinding(ctx, f))
	}
	return db
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)

// driftAlert builds an alert whose details went through JSON, as the store
// gives them back.
func driftAlert(model, subject string, sev alert.Severity, at time.Duration, stat float64) store.AlertRecord {
	details := map[string]any{
		"method": "ks", "statistic": stat, "p_adjusted": 1e-12, "threshold": 0.0001, "effect_size": stat, "unit": "$",
		"reference": map[string]any{"mean": 245.12}, "current": map[string]any{"mean": 523.45},
	}
	raw, _ := json.Marshal(details)
	var back map[string]any
	json.Unmarshal(raw, &back)
	return store.AlertRecord{Alert: alert.Alert{ID: subject + at.String(), Type: alert.KindDrift, Severity: sev, Model: model,
		Subject: subject, Time: t0.Add(at), Details: back, Summary: "drift in " + subject}}
}

// adversarialAlert builds an alert as the outlier monitor raises it, its
// details through JSON.
func adversarialAlert(model, user string, sev alert.Severity, at time.Duration) store.AlertRecord {
	details := map[string]any{
		"event_id": "ev-77", "user": user, "isolation": 0.67, "inputs_in_hour": 45, "flagged_in_hour": 40, "burst_p": 1e-40, "base_rate": 0.0061, "burst": true,
		"reasons": []map[string]any{{"feature": "transaction_amount", "kind": "above_range", "value": 98000, "limit": 5200,
			"message": "transaction_amount 98000 is above the reference range (limit 5200)"}},
	}
	raw, _ := json.Marshal(details)
	var back map[string]any
	json.Unmarshal(raw, &back)
	return store.AlertRecord{Alert: alert.Alert{ID: user + at.String(), Type: alert.KindAdversarial, Severity: sev, Model: model,
		Subject: user, Time: t0.Add(at), Details: back, Summary: "anomalous inputs from " + user}}
}

func TestBuildAndText(t *testing.T) {
	src := testStore(t, []string{"fraud_detection_v2"},
		map[string][]store.Window{"fraud_detection_v2": {
			{Kind: "count", End: t0, FirstSeq: 9000, LastSeq: 9999},
			{Kind: "traffic", End: t0, Events: 5000},
			{Kind: "traffic", End: t0.Add(-23 * time.Hour), Events: 5234},
			{Kind: "traffic", End: t0.Add(-25 * time.Hour), Events: 999}, // before the period
			{Kind: "outliers", End: t0.Add(-time.Minute), Report: []byte(`{"inputs":6000,"anomalies":30,"by_severity":{"high":10,"low":20},"by_reason":{"above_range":12,"isolation":30},"by_feature":{"transaction_amount":12}}`)},
			{Kind: "count", End: t0.Add(-time.Hour), FirstSeq: 0, LastSeq: 8999},
			{Kind: "outliers", End: t0.Add(-2 * time.Hour), Report: []byte(`{"inputs":4234,"anomalies":17,"by_severity":{"high":2,"medium":15},"by_reason":{"isolation":17},"unscored":3}`)},
			{Kind: "outliers", End: t0.Add(-30 * time.Hour), Report: []byte(`{"inputs":999,"anomalies":999,"by_severity":{"critical":999}}`)}, // before the period
		}},
		[]store.AlertRecord{
			driftAlert("fraud_detection_v2", "transaction_amount", alert.High, -3*time.Hour, 0.2),
			driftAlert("fraud_detection_v2", "transaction_amount", alert.Critical, -2*time.Hour, 0.45),
			driftAlert("fraud_detection_v2", "hour", alert.Medium, -time.Hour, 0.06),
			driftAlert("fraud_detection_v2", "old_news", alert.Critical, -30*time.Hour, 0.5), // before the period
			adversarialAlert("fraud_detection_v2", "api_user_312", alert.High, -90*time.Minute),
			{Alert: alert.Alert{ID: "dq", Type: alert.KindDataQuality, Severity: alert.Medium, Model: "fraud_detection_v2", Subject: "merchant_category",
				Time: t0.Add(-time.Hour), Details: map[string]any{"detail": `unseen categories "crypto": 200 rows (20.0%)`}}},
			{Alert: alert.Alert{ID: "feed", Type: alert.KindFeed, Severity: alert.High, Model: "fraud_detection_v2", Subject: "fraud_detection_v2",
				Time: t0.Add(-3 * time.Hour), Summary: "No events for fraud_detection_v2 from 2026-01-01T20:00:00Z to 2026-01-01T21:00:00Z (1h), longer than its expect_every (10m)"}},
		})
	rep, err := report.Build(context.Background(), src, report.Options{Sections: detectorSections})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := `ML SECURITY MONITORING REPORT
Period: Last 24 hours (2026-01-01 00:00 to 2026-01-02 00:00 UTC)   Model: fraud_detection_v2
Events monitored: 10,234

DRIFT DETECTION
---------------
2 drifting columns, 1 data-quality issue
CRITICAL: Feature 'transaction_amount' drift detected
   KS statistic 0.45, p < 1e-10 (threshold p < 0.0001)
   Production mean: $523.45 vs Reference: $245.12
MEDIUM: Data quality of 'merchant_category'
   unseen categories "crypto": 200 rows (20.0%)
MEDIUM: Feature 'hour' drift detected
   KS statistic 0.06, p < 1e-10 (threshold p < 0.0001)
   Production mean: $523.45 vs Reference: $245.12

ADVERSARIAL INPUTS
------------------
Anomalies Detected: 47 of 10,234 inputs (0.46%)
   HIGH: 12 inputs with extreme values
   MEDIUM: 15 unusual inputs
   LOW: 20 slightly unusual inputs
   By reason: isolation 47, above_range 12
   By feature: transaction_amount 12
   Not scored (wrong feature types): 3 inputs
HIGH: User api_user_312: 40 anomalous inputs of 45 in the hour
   Isolation score 0.67, burst p < 1e-10 against the 0.61% flagged in the rest of the traffic
   transaction_amount 98000 is above the reference range (limit 5200)
   Latest flagged input: ev-77

EXTRACTION ATTEMPTS
-------------------
Not monitored

PROMPT INJECTION
----------------
Not monitored

FEED GAPS
---------
HIGH: No events for fraud_detection_v2 from 2026-01-01T20:00:00Z to 2026-01-01T21:00:00Z (1h), longer than its expect_every (10m)

RECOMMENDATIONS
---------------
1. Investigate drift in transaction_amount now; consider retraining fraud_detection_v2 on recent data (CRITICAL)
2. Block api_user_312's anomalous inputs to fraud_detection_v2 and review them for crafted attacks (HIGH)
3. Find out why fraud_detection_v2's events stopped reaching Warden: its monitoring was blind meanwhile (HIGH)
4. Watch hour for continued drift (MEDIUM)
5. Check the data pipeline feeding merchant_category (MEDIUM)
`
	if got := buf.String(); got != want {
		t.Errorf("text report:\n%s\nwant:\n%s", got, want)
	}
	if it := rep.Sections[0].Items[0]; it.Alerts != 2 || it.Severity != alert.Critical {
		t.Errorf("worst transaction_amount item %+v: want the critical one of 2 alerts", it)
	}
	if _, err := report.Build(context.Background(), src, report.Options{Model: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown model: %v", err)
	}
	empty, err := report.Build(context.Background(), testStore(t, nil, nil, nil), report.Options{Sections: detectorSections})
	if err != nil || empty.Recommendations[0].Action != report.NoAction || empty.Sections[0].Status != report.StatusNotMonitored {
		t.Errorf("empty store: %+v, %v", empty, err)
	}
}

func TestRecommendationTable(t *testing.T) {
	tests := []struct {
		name  string
		items []report.Item
		want  []string
	}{
		{"nothing", nil, []string{"No action needed"}},
		{"extraction critical", []report.Item{{Severity: alert.Critical, Model: "m", Kind: alert.KindExtraction, Subject: "api_user_847"}},
			[]string{"Rate-limit api_user_847 immediately (CRITICAL)"}},
		{"extraction high", []report.Item{{Severity: alert.High, Model: "m", Kind: alert.KindExtraction, Subject: "u1"}},
			[]string{"Review the query pattern of u1 (HIGH)"}},
		{"one line per subject, the most severe finding", []report.Item{
			{Severity: alert.Medium, Model: "m", Kind: alert.KindDataQuality, Subject: "amount"},
			{Severity: alert.High, Model: "m", Kind: alert.KindDrift, Subject: "amount"},
		}, []string{"Investigate drift in amount (HIGH)"}},
		{"drift preferred to data quality at equal severity", []report.Item{
			{Severity: alert.Medium, Model: "m", Kind: alert.KindDataQuality, Subject: "amount"},
			{Severity: alert.Medium, Model: "m", Kind: alert.KindDrift, Subject: "amount"},
		}, []string{"Watch amount for continued drift (MEDIUM)"}},
		{"ordered by severity", []report.Item{
			{Severity: alert.Low, Model: "m", Kind: alert.KindDrift, Subject: "a"},
			{Severity: alert.Critical, Model: "m", Kind: alert.KindPromptInjection, Subject: "u9"},
		}, []string{"Block u9's injection attempts and review the prompts (CRITICAL)", "Watch a for continued drift (LOW)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range report.Recommend(tc.items) {
				got = append(got, r.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// A detector's section takes its placeholder's place; the rest stay "not
// monitored" in their order.
func TestLayoutReplacesPlaceholder(t *testing.T) {
	sections := report.Layout([]report.Section{{Title: "EXTRACTION ATTEMPTS", Kinds: []alert.Kind{alert.KindExtraction}, Monitored: true}})
	if len(sections) != len(report.Layout(nil)) || sections[2].Title != "EXTRACTION ATTEMPTS" || !sections[2].Monitored || sections[0].Monitored {
		t.Fatalf("Layout: %+v", sections)
	}
	src := testStore(t, []string{"m"}, map[string][]store.Window{"m": {{Kind: "count", End: t0}}},
		[]store.AlertRecord{{Alert: alert.Alert{ID: "x", Type: alert.KindExtraction, Severity: alert.Critical, Model: "m", Subject: "api_user_847", Time: t0, Summary: "15,234 queries in 2 hours"}}})
	rep, err := report.Build(context.Background(), src, report.Options{Sections: sections[2:3]})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Sections[2]; s.Status != report.StatusFindings || s.Items[0].Headline != "15,234 queries in 2 hours" {
		t.Errorf("extraction section: %+v", s)
	}
	if rep.Recommendations[0].Action != "Rate-limit api_user_847 immediately" {
		t.Errorf("recommendations: %+v", rep.Recommendations)
	}
}

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := report.ParsePeriod(in); err != nil || got != want {
			t.Errorf("report.ParsePeriod(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0h", "-1h", "xd", "1.5d", "soon"} {
		if _, err := report.ParsePeriod(bad); err == nil {
			t.Errorf("report.ParsePeriod(%q) accepted", bad)
		}
	}
}

// Names and ids in the report come from the monitored traffic: in the text
// they are escaped, so that no terminal control reaches the operator; the
// JSON keeps them exact.
func TestTextEscapesInput(t *testing.T) {
	const (
		user   = "\x1b]0;owned\x07\x1b[2J"
		column = "amount\u202egnp.exe"
		model  = "fraud\u009b31m"
	)
	adv := adversarialAlert(model, user, alert.Critical, -time.Hour)
	adv.Details["event_id"] = "ev\r\x1b[1A-7"
	adv.Details["reasons"] = []any{map[string]any{"feature": column, "kind": "above_range", "message": column + " is above the reference range"}}
	src := testStore(t, []string{model},
		map[string][]store.Window{model: {
			{Kind: "count", End: t0},
			{Kind: "traffic", End: t0, Events: 100},
			{Kind: "outliers", End: t0, Report: []byte(`{"inputs":100,"anomalies":1,"by_severity":{"critical":1},"by_feature":{"amount\u202egnp.exe":1}}`)},
		}},
		[]store.AlertRecord{driftAlert(model, column, alert.High, -time.Hour, 0.2), adv,
			{Alert: alert.Alert{ID: "dq", Type: alert.KindDataQuality, Severity: alert.Medium, Model: model, Subject: "merchant\nCRITICAL: forged",
				Time: t0.Add(-time.Hour), Details: map[string]any{"detail": "unseen categories \"\x1b[5m\": 2 rows"}}}})
	rep, err := report.Build(context.Background(), src, report.Options{Sections: detectorSections})
	if err != nil {
		t.Fatal(err)
	}
	for _, terminal := range []bool{false, true} {
		var buf bytes.Buffer
		if err := rep.WriteText(&buf, report.TextOptions{Terminal: terminal}); err != nil {
			t.Fatal(err)
		}
		text := buf.String()
		if i := strings.IndexAny(text, "\x1b\x07\r\u009b\u202e"); i >= 0 || !utf8.ValidString(text) {
			t.Errorf("terminal %v: a control or invalid byte reached the text at %d:\n%q", terminal, i, text)
		}
		for _, want := range []string{`User \x1b]0;owned\x07\x1b[2J:`, `Feature 'amount\u202egnp.exe' drift detected`, `Model: fraud\u009b31m`,
			`Latest flagged input: ev\r\x1b[1A-7`, `Data quality of 'merchant\nCRITICAL: forged'`, `unseen categories "\x1b[5m"`,
			`By feature: amount\u202egnp.exe 1`, `amount\u202egnp.exe is above the reference range`} {
			if !strings.Contains(text, want) {
				t.Errorf("terminal %v: text lacks %s:\n%s", terminal, want, text)
			}
		}
		if strings.Contains(text, "\nCRITICAL: forged") {
			t.Errorf("a line feed in a subject forged a line:\n%s", text)
		}
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back report.Report
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Models[0] != model || back.Sections[1].Items[0].Subject != user {
		t.Errorf("JSON changed the names: model %q, user %q", back.Models[0], back.Sections[1].Items[0].Subject)
	}
}
