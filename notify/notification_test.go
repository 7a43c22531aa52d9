package notify_test

import (
	"slices"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
)

func TestGroup(t *testing.T) {
	raised := func(model, subject string, sev alert.Severity, offset time.Duration) alert.Alert {
		a := evaluation(model, sev)[0]
		a.Subject = subject
		a.Time = t0.Add(offset)
		a.Fingerprint = alert.Fingerprint(model, a.Type, subject)
		a.ID = alert.AlertID(a.Fingerprint, a.Time)
		return a
	}
	temp := raised("bikes", "temp", alert.High, 0)
	hum := raised("bikes", "hum", alert.Critical, 0)
	wind := raised("bikes", "windspeed", alert.High, 0)
	tenure := raised("churn", "tenure", alert.Medium, 0)
	tempLater := raised("bikes", "temp", alert.High, time.Hour)
	quality := raised("bikes", "temp", alert.High, 0)
	quality.Type = alert.KindDataQuality
	quality.ID = "quality"

	tests := []struct {
		name string
		in   []alert.Alert
		want [][]alert.Alert // each notification's alerts
	}{
		{"none", nil, nil},
		{"one window", []alert.Alert{temp, hum, wind}, [][]alert.Alert{{hum, temp, wind}}},
		{"any order, same notification", []alert.Alert{wind, temp, hum}, [][]alert.Alert{{hum, temp, wind}}},
		{"same severity: type, then subject", []alert.Alert{wind, quality, temp}, [][]alert.Alert{{quality, temp, wind}}},
		{"models apart", []alert.Alert{temp, tenure, hum}, [][]alert.Alert{{hum, temp}, {tenure}}},
		{"one problem at two times", []alert.Alert{tempLater, temp, hum}, [][]alert.Alert{{hum, temp, tempLater}}},
		{"an alert twice", []alert.Alert{temp, hum, temp}, [][]alert.Alert{{hum, temp}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			got := notify.Group(tc.in)
			if !slices.EqualFunc(tc.in, in, func(a, b alert.Alert) bool { return a.ID == b.ID }) {
				t.Errorf("Group reordered its input")
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d notifications, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, n := range got {
				if gotIDs, wantIDs := ids(n.Alerts), ids(tc.want[i]); !slices.Equal(gotIDs, wantIDs) {
					t.Errorf("notification %d holds %v, want %v", i, gotIDs, wantIDs)
				}
				first := tc.want[i][0]
				if n.Model != first.Model || n.ID() != first.ID {
					t.Errorf("notification %d: model %s, id %s", i, n.Model, n.ID())
				}
			}
		})
	}
}

func ids(as []alert.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func TestNotificationSummary(t *testing.T) {
	const (
		N = alert.None
		L = alert.Low
		M = alert.Medium
		H = alert.High
		C = alert.Critical
	)
	tests := []struct {
		sevs     []alert.Severity
		severity alert.Severity
		want     string
	}{
		{nil, N, "0 alerts for bikes"},
		{[]alert.Severity{H}, H, "1 alert for bikes: 1 high"},
		{[]alert.Severity{H, C, H}, C, "3 alerts for bikes: 1 critical, 2 high"},
		{[]alert.Severity{N, L, M, L}, M, "4 alerts for bikes: 1 medium, 2 low, 1 none"},
		{slices.Repeat([]alert.Severity{H}, 16), H, "16 alerts for bikes: 16 high"},
	}
	for _, tc := range tests {
		n := notify.Notification{Model: "bikes", Alerts: evaluation("bikes", tc.sevs...)}
		if got := n.Summary(); got != tc.want {
			t.Errorf("%v: Summary() = %q, want %q", tc.sevs, got, tc.want)
		}
		if got := n.Severity(); got != tc.severity {
			t.Errorf("%v: Severity() = %s, want %s", tc.sevs, got, tc.severity)
		}
	}
	if n := (notify.Notification{}); n.ID() != "" || !n.Time().IsZero() {
		t.Errorf("empty notification: ID %q, time %s", n.ID(), n.Time())
	}
}

// A notification's time is the latest of its alerts' times, whatever
// their zones and order.
func TestNotificationTime(t *testing.T) {
	alerts := evaluation("m", alert.Low, alert.High, alert.Medium)
	alerts[0].Time = t0.Add(-time.Hour)
	alerts[1].Time = t0.Add(90 * time.Second).In(time.FixedZone("CET", 3600))
	alerts[2].Time = t0
	if got := notify.Group(alerts)[0].Time(); !got.Equal(t0.Add(90 * time.Second)) {
		t.Errorf("Time() = %s, want %s", got, t0.Add(90*time.Second))
	}
}
