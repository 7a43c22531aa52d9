package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/pipeline"
	"github.com/warden-ml/warden/store"
)

func TestCheckTime(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		ok   bool
	}{
		{"zero means unset", time.Time{}, true},
		{"epoch", time.Unix(0, 0), true},
		{"earliest", time.Unix(0, -1<<63+1), true},
		{"reserved for unset", time.Unix(0, -1<<63), false},
		{"latest", time.Unix(0, 1<<63-1), true},
		{"one past the latest", time.Unix(0, 1<<63-1).Add(1), false},
		{"year 1", time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), false},
		{"year 9999", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), false},
		// Every event time the pipeline places in panes, and the longest
		// pane around it: the service refuses the others.
		{"the earliest pane of an event", pipeline.MinTime.Add(-pipeline.MaxStep), true},
		{"the latest pane of an event", pipeline.MaxTime.Add(pipeline.MaxStep), true},
	}
	for _, tc := range tests {
		err := store.CheckTime("field", tc.t)
		if (err == nil) != tc.ok {
			t.Errorf("%s: CheckTime(%v) = %v, want ok %v", tc.name, tc.t, err, tc.ok)
		}
		if err != nil && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v does not wrap ErrInvalid", tc.name, err)
		}
	}
}

func TestValidate(t *testing.T) {
	now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		err  error
		ok   bool
	}{
		{"model", store.Model{Name: "m"}.Validate(), true},
		{"model without name", store.Model{}.Validate(), false},
		{"count window", store.Window{Model: "m", Kind: store.WindowCount, Start: now, End: now}.Validate(), true},
		{"window of unknown kind", store.Window{Model: "m", Kind: "Count"}.Validate(), false},
		{"finding", store.ValidateFinding(alert.Finding{Kind: alert.KindDrift, Time: now}), true},
		{"finding without time", store.ValidateFinding(alert.Finding{Kind: alert.KindDrift}), false},
		{"alert", store.ValidateAlert(alert.Alert{ID: "a", Fingerprint: "f", Time: now}), true},
		{"alert without fingerprint", store.ValidateAlert(alert.Alert{ID: "a", Time: now}), false},
		{"silence", store.Silence{ID: "s", Matchers: map[string]string{"model": "m"}, StartsAt: now, EndsAt: now.Add(1)}.Validate(), true},
		{"silence ending before it starts", store.Silence{ID: "s", Matchers: map[string]string{"model": "m"}, StartsAt: now, EndsAt: now.Add(-1)}.Validate(), false},
		{"delivery", store.Delivery{Receiver: "r", AlertID: "a"}.Validate(), true},
		{"delivery without receiver", store.Delivery{AlertID: "a"}.Validate(), false},
		{"checkpoint", store.Checkpoint{At: now}.Validate(), true},
		{"checkpoint in year 3000", store.Checkpoint{At: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}.Validate(), false},
	}
	for _, tc := range tests {
		if (tc.err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok %v", tc.name, tc.err, tc.ok)
		}
		if tc.err != nil && !errors.Is(tc.err, store.ErrInvalid) {
			t.Errorf("%s: %v does not wrap ErrInvalid", tc.name, tc.err)
		}
	}
}
