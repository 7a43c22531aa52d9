package silence_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/warden-ml/warden/silence"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestMatchesOnEventTime(t *testing.T) {
	s := silence.Silence{ID: "s", Matchers: map[string]string{"model": "fraud", "type": "drift"}, StartsAt: t0, EndsAt: t0.Add(time.Hour)}
	drift := map[string]string{"model": "fraud", "type": "drift", "subject": "amount", "severity": "high"}
	tests := []struct {
		name   string
		labels map[string]string
		at     time.Duration
		want   bool
	}{
		{"at its start", drift, 0, true},
		{"inside", drift, 59 * time.Minute, true},
		{"before", drift, -time.Nanosecond, false},
		{"at its end", drift, time.Hour, false},
		{"another model", map[string]string{"model": "churn", "type": "drift"}, 0, false},
		{"a label missing", map[string]string{"model": "fraud"}, 0, false},
	}
	for _, tc := range tests {
		if got := s.Matches(tc.labels, t0.Add(tc.at)); got != tc.want {
			t.Errorf("%s: Matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestStateAndExpire(t *testing.T) {
	s := silence.Silence{ID: "s", Matchers: map[string]string{"model": "m"}, StartsAt: t0, EndsAt: t0.Add(time.Hour)}
	for _, tc := range []struct {
		at   time.Duration
		want silence.State
	}{{-time.Second, silence.Pending}, {0, silence.Active}, {time.Hour, silence.Expired}} {
		if got := s.StateAt(t0.Add(tc.at)); got != tc.want {
			t.Errorf("StateAt(%v) = %s, want %s", tc.at, got, tc.want)
		}
	}
	for _, tc := range []struct {
		at, wantEnd time.Duration
	}{
		{30 * time.Minute, 30 * time.Minute},
		{-time.Hour, 0},            // not started: ends at its start
		{2 * time.Hour, time.Hour}, // already ended: unchanged
	} {
		if got := s.Expire(t0.Add(tc.at)); !got.EndsAt.Equal(t0.Add(tc.wantEnd)) {
			t.Errorf("Expire(%v): ends %v, want %v", tc.at, got.EndsAt.Sub(t0), tc.wantEnd)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    silence.Silence
		ok   bool
	}{
		{"fine", silence.Silence{Matchers: map[string]string{"subject": "x"}, StartsAt: t0, EndsAt: t0.Add(time.Hour)}, true},
		{"no matchers", silence.Silence{StartsAt: t0, EndsAt: t0.Add(time.Hour)}, false},
		{"unknown label", silence.Silence{Matchers: map[string]string{"colour": "red"}, EndsAt: t0}, false},
		{"ends before it starts", silence.Silence{Matchers: map[string]string{"model": "m"}, StartsAt: t0, EndsAt: t0.Add(-time.Hour)}, false},
	} {
		if err := tc.s.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate = %v", tc.name, err)
		}
	}
}

func TestSetPicksTheFirstByID(t *testing.T) {
	var set silence.Set
	if _, ok := set.Muting(map[string]string{"model": "m"}, t0); ok {
		t.Fatal("the zero Set muted an alert")
	}
	set.Replace([]silence.Silence{
		{ID: "b", Matchers: map[string]string{"model": "m"}, StartsAt: t0, EndsAt: t0.Add(time.Hour)},
		{ID: "a", Matchers: map[string]string{"type": "drift"}, StartsAt: t0, EndsAt: t0.Add(time.Hour)},
	})
	if id, ok := set.Muting(map[string]string{"model": "m", "type": "drift"}, t0); !ok || id != "a" {
		t.Fatalf("Muting = %q, %v; want a", id, ok)
	}
	if set.Len() != 2 {
		t.Fatalf("Len = %d", set.Len())
	}
}

func ExampleSet() {
	var set silence.Set
	release := time.Date(2026, 1, 1, 22, 0, 0, 0, time.UTC)
	set.Replace([]silence.Silence{{ID: "release", Matchers: map[string]string{"model": "fraud", "type": "drift"},
		StartsAt: release, EndsAt: release.Add(2 * time.Hour)}})
	labels := map[string]string{"model": "fraud", "type": "drift", "subject": "amount", "severity": "critical"}
	// Findings are matched at their event time, whatever the wall clock.
	for _, at := range []time.Time{release.Add(-time.Minute), release.Add(time.Hour), release.Add(2 * time.Hour)} {
		if id, muted := set.Muting(labels, at); muted {
			fmt.Println(at.Format("15:04"), "muted by", id)
		} else {
			fmt.Println(at.Format("15:04"), "alerted")
		}
	}
	// Output:
	// 21:59 alerted
	// 23:00 muted by release
	// 00:00 alerted
}

func TestRegexAndNegativeMatchers(t *testing.T) {
	s := silence.Silence{ID: "s", Matchers: map[string]string{"model": "fraud"},
		MatchersRegex: map[string]string{"subject": "amount|merchant_.*"}, MatchersNot: map[string]string{"severity": "critical"},
		StartsAt: t0, EndsAt: t0.Add(time.Hour)}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		subject, severity string
		want              bool
	}{
		{"amount", "high", true},
		{"merchant_category", "medium", true},
		{"amount_usd", "high", false}, // anchored: the whole label must match
		{"amount", "critical", false}, // not critical
		{"hour", "high", false},
	} {
		labels := map[string]string{"model": "fraud", "type": "drift", "subject": tc.subject, "severity": tc.severity}
		if got := s.Matches(labels, t0); got != tc.want {
			t.Errorf("%s/%s: Matches = %v, want %v", tc.subject, tc.severity, got, tc.want)
		}
	}
	for _, bad := range []silence.Silence{
		{MatchersRegex: map[string]string{"subject": "("}, EndsAt: t0},
		{MatchersRegex: map[string]string{"colour": "red"}, EndsAt: t0},
		{MatchersNot: map[string]string{"model": "fraud"}, EndsAt: t0}, // would mute all the rest
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", bad)
		}
	}
}
