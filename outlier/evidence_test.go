package outlier

import (
	"strings"
	"testing"

	"github.com/warden-ml/warden/alert"
)

// Evidence written by the detector reads back, through the store's JSON,
// into the report's lines; evidence that is not this detector's says so.
func TestEvidenceReadsBack(t *testing.T) {
	iso, inputs, flagged, p, base, burst := 0.67, 45, 40, 1e-40, 0.0061, true
	e := Evidence{EventID: "ev-77", User: "u", Isolation: &iso, InputsInHour: &inputs, FlaggedInHour: &flagged, BurstP: &p, BaseRate: &base, Burst: &burst,
		Reasons: []Reason{{Feature: "transaction_amount", Kind: "above_range", Value: 98000, Limit: 5200, Message: "transaction_amount 98000 is above the reference range (limit 5200)"}}}
	headline, lines := describeAlert(alert.Alert{Type: alert.KindAdversarial, Subject: "u", Details: alert.EvidenceOf(e)})
	want := []string{"Isolation score 0.67, burst p < 1e-10 against the 0.61% flagged in the rest of the traffic",
		"transaction_amount 98000 is above the reference range (limit 5200)", "Latest flagged input: ev-77"}
	if headline != "User u: 40 anomalous inputs of 45 in the hour" || strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q %q", headline, lines)
	}
	single := Evidence{EventID: "ev-1", Isolation: &iso}
	if headline, _ := describeAlert(alert.Alert{Subject: "v", Details: alert.EvidenceOf(single)}); headline != "User v: an input far outside the reference" {
		t.Errorf("single input: %q", headline)
	}
	if _, lines := describeAlert(alert.Alert{Subject: "w", Details: map[string]any{"isolation": "very"}}); len(lines) != 1 || !strings.Contains(lines[0], "evidence unreadable") {
		t.Errorf("foreign evidence: %q", lines)
	}
}
