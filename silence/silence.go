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
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Labels are the alert labels a matcher may name.
var Labels = []string{"model", "type", "subject", "severity"}

// Silence mutes the alerts whose labels satisfy every matcher while it is
// in effect: StartsAt <= event time < EndsAt. Matchers want a label equal
// to a value, MatchersRegex matching a regular expression (RE2, anchored at
// both ends, as in Prometheus Alertmanager), MatchersNot different from a
// value.
type Silence struct {
	ID            string            `json:"id"`
	Matchers      map[string]string `json:"matchers"`
	MatchersRegex map[string]string `json:"matchers_regex,omitempty"`
	MatchersNot   map[string]string `json:"matchers_not,omitempty"`
	StartsAt      time.Time         `json:"starts_at"`
	EndsAt        time.Time         `json:"ends_at"`
	CreatedBy     string            `json:"created_by"`
	Comment       string            `json:"comment"`
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
// time t. A pattern that does not compile matches nothing (Validate
// refuses it).
func (s Silence) Matches(labels map[string]string, t time.Time) bool {
	c := s.compile()
	return c.matches(labels, t)
}

// compiled is a silence with its patterns compiled.
type compiled struct {
	Silence
	re map[string]*regexp.Regexp // nil entry: the pattern does not compile
}

func (s Silence) compile() compiled {
	c := compiled{Silence: s}
	if len(s.MatchersRegex) > 0 {
		c.re = make(map[string]*regexp.Regexp, len(s.MatchersRegex))
		for k, p := range s.MatchersRegex {
			c.re[k], _ = regexp.Compile("^(?:" + p + ")$")
		}
	}
	return c
}

func (c *compiled) matches(labels map[string]string, t time.Time) bool {
	if t.Before(c.StartsAt) || !t.Before(c.EndsAt) {
		return false
	}
	for k, v := range c.Matchers {
		if labels[k] != v {
			return false
		}
	}
	for k, re := range c.re {
		if re == nil || !re.MatchString(labels[k]) {
			return false
		}
	}
	for k, v := range c.MatchersNot {
		if labels[k] == v {
			return false
		}
	}
	return true
}

// Validate checks the matchers: each names a label, each pattern compiles,
// and there is at least one equality or pattern matcher, since a silence
// with none would mute everything (or everything but a few).
func (s Silence) Validate() error {
	if len(s.Matchers)+len(s.MatchersRegex) == 0 {
		return fmt.Errorf("matchers: none given; a silence without matchers (or matchers_regex) would mute every alert")
	}
	for _, set := range []struct {
		name string
		m    map[string]string
	}{{"matchers", s.Matchers}, {"matchers_regex", s.MatchersRegex}, {"matchers_not", s.MatchersNot}} {
		for _, k := range slices.Sorted(maps.Keys(set.m)) {
			if !slices.Contains(Labels, k) {
				return fmt.Errorf("%s.%s: want one of %s", set.name, k, strings.Join(Labels, ", "))
			}
			if set.name == "matchers_regex" {
				if len(set.m[k]) > maxPattern {
					return fmt.Errorf("matchers_regex.%s: longer than %d bytes", k, maxPattern)
				}
				if _, err := regexp.Compile("^(?:" + set.m[k] + ")$"); err != nil {
					return fmt.Errorf("matchers_regex.%s: %v", k, err)
				}
			}
		}
	}
	if s.EndsAt.Before(s.StartsAt) {
		return fmt.Errorf("ends_at %s is before starts_at %s", s.EndsAt.Format(time.RFC3339), s.StartsAt.Format(time.RFC3339))
	}
	return nil
}

// View is a silence as the API shows it: with its state by the server's
// clock, and matchers never null.
type View struct {
	Silence
	State State `json:"state"`
}

// ViewAt is s as the API shows it at t.
func (s Silence) ViewAt(t time.Time) View {
	if s.Matchers == nil {
		s.Matchers = map[string]string{}
	}
	return View{s, s.StateAt(t)}
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

// maxPattern bounds a regular expression matcher: RE2 runs in linear time,
// but a huge pattern still costs memory for every alert matched.
const maxPattern = 1024

// Set is the silences in force, safe for concurrent use. The zero Set
// mutes nothing.
type Set struct {
	mu       sync.RWMutex
	silences []compiled
}

// Replace makes ss the silences in force.
func (m *Set) Replace(ss []Silence) {
	cp := make([]compiled, len(ss))
	for i, s := range ss {
		cp[i] = s.compile()
	}
	slices.SortFunc(cp, func(a, b compiled) int { return strings.Compare(a.ID, b.ID) })
	m.mu.Lock()
	m.silences = cp
	m.mu.Unlock()
}

// Muting returns the ID of a silence that mutes an alert with these labels
// at event time t, the first by ID when several do.
func (m *Set) Muting(labels map[string]string, t time.Time) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i := range m.silences {
		if m.silences[i].matches(labels, t) {
			return m.silences[i].ID, true
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
