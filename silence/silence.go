// Package silence is the alert path's silencing stage: the silences an
// operator set, matched against an alert's labels at the event time of the
// finding behind it. A silence set today for last night's traffic mutes a
// replay of last night; one set for tomorrow takes effect when tomorrow's
// events arrive, whatever the wall clock says.
//
// The package keeps no I/O of its own: the caller loads the stored silences
// into a Set at start-up and after every change.
package silence

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Labels are the alert labels a matcher may name.
var Labels = []string{"model", "type", "subject", "severity"}

// Silence mutes the alerts whose labels equal every matcher while it is in
// effect: StartsAt <= event time < EndsAt.
type Silence struct {
	ID        string            `json:"id"`
	Matchers  map[string]string `json:"matchers"`
	StartsAt  time.Time         `json:"starts_at"`
	EndsAt    time.Time         `json:"ends_at"`
	CreatedBy string            `json:"created_by"`
	Comment   string            `json:"comment"`
}

// State is where a silence stands against a clock.
type State string

const (
	Pending State = "pending" // starts later
	Active  State = "active"
	Expired State = "expired" // ended, or expired early
)

// States lists the states in the order a silence goes through them.
var States = []State{Pending, Active, Expired}

// StateAt is s's state at t.
func (s Silence) StateAt(t time.Time) State {
	switch {
	case t.Before(s.StartsAt):
		return Pending
	case t.Before(s.EndsAt):
		return Active
	}
	return Expired
}

// Matches says whether s mutes an alert with these labels raised at event
// time t.
func (s Silence) Matches(labels map[string]string, t time.Time) bool {
	if t.Before(s.StartsAt) || !t.Before(s.EndsAt) {
		return false
	}
	for k, v := range s.Matchers {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// Validate checks the matchers: each names a label, and there is at least
// one, since a silence without matchers would mute everything.
func (s Silence) Validate() error {
	if len(s.Matchers) == 0 {
		return fmt.Errorf("matchers: none given; a silence without matchers would mute every alert")
	}
	for _, k := range slices.Sorted(maps.Keys(s.Matchers)) {
		if !slices.Contains(Labels, k) {
			return fmt.Errorf("matchers.%s: want one of %s", k, strings.Join(Labels, ", "))
		}
	}
	if s.EndsAt.Before(s.StartsAt) {
		return fmt.Errorf("ends_at %s is before starts_at %s", s.EndsAt.Format(time.RFC3339), s.StartsAt.Format(time.RFC3339))
	}
	return nil
}

// Expire ends s at t, or at its start when it has not started by then, so
// that it mutes nothing dated from t on. A silence already ended stays as
// it is.
func (s Silence) Expire(t time.Time) Silence {
	if t.Before(s.EndsAt) {
		s.EndsAt = t
		if s.EndsAt.Before(s.StartsAt) {
			s.EndsAt = s.StartsAt
		}
	}
	return s
}

// Set is the silences in force, safe for concurrent use. The zero Set
// mutes nothing.
type Set struct {
	mu       sync.RWMutex
	silences []Silence
}

// Replace makes ss the silences in force.
func (m *Set) Replace(ss []Silence) {
	cp := slices.Clone(ss)
	slices.SortFunc(cp, func(a, b Silence) int { return strings.Compare(a.ID, b.ID) })
	m.mu.Lock()
	m.silences = cp
	m.mu.Unlock()
}

// Muting returns the ID of a silence that mutes an alert with these labels
// at event time t, the first by ID when several do.
func (m *Set) Muting(labels map[string]string, t time.Time) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, s := range m.silences {
		if s.Matches(labels, t) {
			return s.ID, true
		}
	}
	return "", false
}

// Len is the number of silences held.
func (m *Set) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.silences)
}
