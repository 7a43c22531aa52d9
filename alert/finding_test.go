package alert_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/warden-ml/warden/alert"
)

func TestThresholdsSeverity(t *testing.T) {
	th := alert.DriftThresholds
	tests := []struct {
		score float64
		own   alert.Severity
		want  alert.Severity
	}{
		{0.45, alert.Medium, alert.Critical},
		{0.3, alert.Low, alert.Critical},
		{0.2999, alert.Medium, alert.High},
		{0.1, alert.Low, alert.High},
		{0.0999, alert.Medium, alert.Medium},
		{0.01, alert.Low, alert.Low},
	}
	for _, tc := range tests {
		if got := th.Severity(tc.score, tc.own); got != tc.want {
			t.Errorf("Severity(%v, %s) = %s, want %s", tc.score, tc.own, got, tc.want)
		}
	}
}

func TestSeverityText(t *testing.T) {
	for s := alert.None; s <= alert.Critical; s++ {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back alert.Severity
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("%s: round trip gave %s, %v", s, back, err)
		}
	}
	if _, err := alert.ParseSeverity("CRITICAL"); err == nil {
		t.Error("severities are lowercase in JSON; upper case must be rejected")
	}
	if err := (alert.Thresholds{Warning: 0.3, Critical: 0.1}).Validate(); err == nil {
		t.Error("warning above critical accepted")
	}
}

func ExampleThresholds_Severity() {
	// The lab's report calls a KS statistic of 0.45 critical.
	fmt.Println(alert.DriftThresholds.Severity(0.45, alert.Medium))
	fmt.Println(alert.DriftThresholds.Severity(0.12, alert.Medium))
	fmt.Println(alert.DriftThresholds.Severity(0.06, alert.Medium))
	// Output:
	// critical
	// high
	// medium
}
