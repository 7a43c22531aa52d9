package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/event"
)

// The clock rule, event by event: the Users-th latest of the recent users'
// latest times (all of them when fewer), never going back.
func TestClockRule(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 1, 1, 0, m, 0, 0, time.UTC) }
	next := at(365 * 24 * 60)
	type ev struct {
		user string
		min  int // minutes after 2026-01-01; -1: a year ahead
		want int // the clock after it, in minutes; -1: unset
	}
	tests := []struct {
		name   string
		recent int
		events []ev
	}{
		{"fewer users, all of them", 10, []ev{{"a", 0, 0}, {"a", 1, 1}, {"b", 2, 1}, {"c", 3, 1}, {"d", 4, 2}}},
		{"one user counts once", 10, []ev{{"a", 0, 0}, {"b", 1, 0}, {"c", 2, 0}, {"c", 9, 0}, {"c", 10, 0}, {"a", 11, 1}}},
		{"a year ahead does not move it", 10, []ev{{"a", 0, 0}, {"b", 1, 0}, {"c", 2, 0}, {"m", -1, 1}, {"a", 3, 2}, {"b", 4, 3}}},
		{"two users a year ahead do not", 10, []ev{{"a", 0, 0}, {"b", 1, 0}, {"c", 2, 0}, {"m", -1, 1}, {"e", -1, 2}, {"a", 3, 3}}},
		{"three users a year ahead do", 10, []ev{{"a", 0, 0}, {"b", 1, 0}, {"c", 2, 0}, {"m", -1, 1}, {"e", -1, 2}, {"f", -1, -2}}},
		{"never back", 10, []ev{{"a", 5, 5}, {"b", 6, 5}, {"c", 7, 5}, {"d", 1, 5}, {"e", 2, 5}}},
		// Ring of 4: the users among the last 4 events.
		{"a lone user", 4, []ev{{"a", 0, 0}, {"a", 1, 1}, {"a", 2, 2}, {"a", 3, 3}, {"a", 4, 4}}},
		{"an idle user leaves the ring", 4, []ev{{"a", 0, 0}, {"b", 1, 0}, {"a", 2, 1}, {"a", 3, 1}, {"a", 4, 1}, {"a", 5, 5}}},
		{"a departing top user is replaced", 4, []ev{{"a", 0, 0}, {"b", 1, 0}, {"c", 2, 0}, {"d", 3, 1}, {"d", 4, 1}, {"d", 5, 2}, {"d", 6, 6}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock(Watermark{Recent: tt.recent}.withDefaults(), func(int) {})
			for i, e := range tt.events {
				ts := at(e.min)
				if e.min < 0 {
					ts = next
				}
				c.observe(e.user, ts)
				var want time.Time
				switch {
				case e.want == -2:
					want = next
				case e.want >= 0:
					want = at(e.want)
				}
				if !c.now.Equal(want) {
					t.Fatalf("after event %d (%s at %s): clock %s, want %s", i, e.user, ts.Format(time.RFC3339), c.now, want)
				}
			}
		})
	}
}

// Held events wait in time order, the furthest ahead dropped beyond the
// limit; what the clock comes near is released; the end drops the rest.
func TestClockHoldAndRelease(t *testing.T) {
	dropped := 0
	c := newClock(Watermark{MaxHeld: 3, MaxAhead: 5 * time.Minute}.withDefaults(), func(n int) { dropped += n })
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hold := func(id string, d time.Duration) {
		c.hold(&event.Event{ID: id, Model: "m", User: id, Time: t0.Add(d),
			Features: []event.Feature{{Name: "x", Value: event.NumberValue(1)}}})
	}
	hold("later", 20*time.Minute)
	hold("first", 10*time.Minute)
	hold("far", 365*24*time.Hour)
	hold("same-time", 10*time.Minute)
	if dropped != 1 || ids(c.held) != "first same-time later" {
		t.Fatalf("held %s, dropped %d; want the furthest dropped", ids(c.held), dropped)
	}
	var out []*event.Event
	place := func(ev *event.Event) { out = append(out, ev) }
	c.now = t0.Add(5 * time.Minute) // within MaxAhead of the first two
	c.release(place)
	if ids(out) != "first same-time" || ids(c.held) != "later" || c.nHeld.Load() != 1 {
		t.Fatalf("released %s, held %s", ids(out), ids(c.held))
	}
	c.flush(place)
	if dropped != 2 || len(c.held) != 0 || c.nHeld.Load() != 0 {
		t.Errorf("after flush: held %s, dropped %d", ids(c.held), dropped)
	}
}

// A clock survives a checkpoint: its users, its time and what it holds.
func TestClockSnapshot(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := Watermark{Recent: 5}.withDefaults()
	c := newClock(w, func(int) {})
	for i, u := range []string{"a", "b", "c", "a", "d", "e", "b"} {
		c.observe(u, t0.Add(time.Duration(i)*time.Minute))
	}
	c.hold(&event.Event{ID: "x", Model: "m", User: "z", Time: t0.Add(time.Hour)})
	raw, err := json.Marshal(c.snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var s clockSnapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	r := newClock(w, func(int) {})
	if err := r.restore(s); err != nil {
		t.Fatal(err)
	}
	if !r.now.Equal(c.now) || ids(r.held) != "x" || fmt.Sprint(r.snapshot()) != fmt.Sprint(c.snapshot()) {
		t.Fatalf("restored %+v\nsaved %+v", r.snapshot(), c.snapshot())
	}
	// Both go on alike.
	for i, u := range []string{"f", "a", "g"} {
		at := t0.Add(time.Duration(10+i) * time.Minute)
		c.observe(u, at)
		r.observe(u, at)
		if !r.now.Equal(c.now) {
			t.Fatalf("after %s: restored clock %s, saved one %s", u, r.now, c.now)
		}
	}
	bad := s
	bad.Held = "{"
	if err := newClock(w, func(int) {}).restore(bad); err == nil {
		t.Error("a broken held event restored")
	}
	bad = s
	bad.Latest = nil
	if err := newClock(w, func(int) {}).restore(bad); err == nil || !strings.Contains(err.Error(), "has no time") {
		t.Errorf("a recent user without a time: %v", err)
	}
}

func ids(evs []*event.Event) string {
	var s []string
	for _, ev := range evs {
		s = append(s, ev.ID)
	}
	return strings.Join(s, " ")
}
