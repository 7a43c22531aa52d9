package alert_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/silence"
)

func TestManagerDecisions(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	drift := func(subject string, score float64, at time.Duration) alert.Finding {
		return alert.Finding{Kind: alert.KindDrift, Severity: alert.Medium, Model: "m", Subject: subject, Score: score, Time: t0.Add(at),
			Evidence: map[string]any{"summary": "drift in " + subject}}
	}
	type step struct {
		f        alert.Finding
		decision alert.Decision
		severity alert.Severity
	}
	tests := []struct {
		name     string
		silences []silence.Silence
		steps    []step
	}{
		{"graded by the lab's thresholds", nil, []step{
			{drift("a", 0.45, 0), alert.Alerted, alert.Critical},
			{drift("b", 0.15, 0), alert.Alerted, alert.High},
			{drift("c", 0.06, 0), alert.Alerted, alert.Medium},
		}},
		{"repeat within the interval is deduplicated", nil, []step{
			{drift("a", 0.15, 0), alert.Alerted, alert.High},
			{drift("a", 0.12, time.Hour), alert.Deduplicated, alert.High},
			{drift("a", 0.12, 5*time.Hour), alert.Alerted, alert.High},
		}},
		{"rising severity is alerted at once", nil, []step{
			{drift("a", 0.06, 0), alert.Alerted, alert.Medium},
			{drift("a", 0.35, time.Minute), alert.Alerted, alert.Critical},
			{drift("a", 0.06, 2*time.Minute), alert.Deduplicated, alert.Medium},
		}},
		{"different subjects are different problems", nil, []step{
			{drift("a", 0.15, 0), alert.Alerted, alert.High},
			{drift("b", 0.15, 0), alert.Alerted, alert.High},
		}},
		{"usage is recorded, not alerted", nil, []step{
			{alert.Finding{Kind: alert.KindUsage, Model: "m", Subject: "u1", Score: 5000, Time: t0}, alert.NotAlerted, alert.None},
		}},
		{"silence by subject while active", []silence.Silence{{ID: "s", Matchers: map[string]string{"subject": "a"}, StartsAt: t0, EndsAt: t0.Add(time.Hour)}}, []step{
			{drift("a", 0.45, 0), alert.Silenced, alert.Critical},
			{drift("b", 0.45, 0), alert.Alerted, alert.Critical},
			{drift("a", 0.45, 2*time.Hour), alert.Alerted, alert.Critical},
		}},
		{"silence by severity", []silence.Silence{{ID: "s", Matchers: map[string]string{"model": "m", "severity": "medium"}, StartsAt: t0, EndsAt: t0.Add(time.Hour)}}, []step{
			{drift("a", 0.06, 0), alert.Silenced, alert.Medium},
			{drift("a", 0.2, 0), alert.Alerted, alert.High},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := alert.NewManager(alert.Policy{Thresholds: func(string, alert.Kind) (alert.Thresholds, bool) {
				return alert.DriftThresholds, true
			}})
			var set silence.Set
			set.Replace(tc.silences)
			m.SetSilencer(&set)
			for i, s := range tc.steps {
				a, d := m.Process(s.f)
				if d != s.decision || (s.severity != alert.None && a.Severity != s.severity) {
					t.Errorf("step %d: %s %s, want %s %s", i, d, a.Severity, s.decision, s.severity)
				}
			}
		})
	}
}

func TestManagerAlertShape(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	m := alert.NewManager(alert.Policy{})
	var handled []alert.Alert
	m.Handle(alert.KindDrift, func(a alert.Alert) { handled = append(handled, a) })
	m.Handle(alert.KindExtraction, func(a alert.Alert) { t.Errorf("extraction handler called for %v", a.Type) })
	f := alert.Finding{Kind: alert.KindDrift, Severity: alert.High, Model: "fraud", Subject: "amount", Score: 0.2, Time: t0,
		Evidence: map[string]any{"summary": "Feature 'amount' drift detected", "window": map[string]any{"kind": "count"}}}
	a, d := m.Process(f)
	if d != alert.Alerted {
		t.Fatalf("decision %s", d)
	}
	if a.Fingerprint != alert.Fingerprint("fraud", alert.KindDrift, "amount") || a.ID != alert.AlertID(a.Fingerprint, t0) {
		t.Errorf("fingerprint %s, id %s", a.Fingerprint, a.ID)
	}
	if a.Summary != "Feature 'amount' drift detected" || a.Source != "drift/count-window" || !a.Time.Equal(t0) {
		t.Errorf("alert %+v", a)
	}
	if len(handled) != 1 || handled[0].ID != a.ID {
		t.Errorf("handler saw %v", handled)
	}
	// Restarted managers remember what was alerted.
	m2 := alert.NewManager(alert.Policy{})
	m2.Remember(alert.Seen{Fingerprint: a.Fingerprint, Model: a.Model, Time: a.Time, Severity: a.Severity})
	if _, d := m2.Process(f); d != alert.Deduplicated {
		t.Errorf("after Remember: %s", d)
	}
	// Fingerprints separate their parts unambiguously.
	if alert.Fingerprint("a", "b", "c") == alert.Fingerprint("a", "", "bc") {
		t.Error("fingerprint collision across field boundaries")
	}
}

func TestManagerCommitsOnlyWhatWasSaved(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	m := alert.NewManager(alert.Policy{})
	f := alert.Finding{Kind: alert.KindDrift, Severity: alert.High, Model: "fraud", Subject: "amount", Score: 0.2, Time: t0}
	a, d := m.Decide(f)
	if d != alert.Alerted {
		t.Fatalf("first decision %s", d)
	}
	// The save failed, so nothing was committed: the finding, coming
	// again, is alerted again rather than held back by an alert that
	// was never stored.
	if _, d := m.Decide(f); d != alert.Alerted {
		t.Fatalf("after an uncommitted alert: %s, want alerted", d)
	}
	if len(m.Remembered()) != 0 {
		t.Fatalf("remembered %v before any commit", m.Remembered())
	}
	m.Commit(a)
	if _, d := m.Decide(f); d != alert.Deduplicated {
		t.Fatalf("after commit: %s, want deduplicated", d)
	}
}

func TestManagerForgetsWhatCannotHoldBack(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	m := alert.NewManager(alert.Policy{RepeatInterval: time.Hour})
	raise := func(model, subject string, at time.Duration) {
		a, d := m.Decide(alert.Finding{Kind: alert.KindDrift, Severity: alert.High, Model: model, Subject: subject, Time: t0.Add(at)})
		if d != alert.Alerted {
			t.Fatalf("%s/%s at %v: %s", model, subject, at, d)
		}
		m.Commit(a)
	}
	raise("a", "old", 0)
	raise("b", "other-clock", 0) // another model's clock is its own
	raise("a", "new", 3*time.Hour)
	var got []string
	for _, s := range m.Remembered() {
		got = append(got, s.Model+"/"+s.Fingerprint[:4])
	}
	if len(got) != 2 {
		t.Fatalf("remembered %v; want a's new problem and b's", got)
	}

	// A flood of distinct problems stays within MaxRemembered.
	for i := range alert.MaxRemembered + 10 {
		raise("c", strconv.Itoa(i), time.Duration(i)*time.Millisecond)
	}
	if n := len(m.Remembered()); n > alert.MaxRemembered {
		t.Fatalf("remembered %d problems; the bound is %d", n, alert.MaxRemembered)
	}
}
