package alert

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Decision says what the manager did with a finding.
type Decision string

const (
	Alerted      Decision = "alerted"
	Deduplicated Decision = "deduplicated" // the same problem was alerted within the repeat interval
	Silenced     Decision = "silenced"
	NotAlerted   Decision = "not_alerted" // a kind that is recorded but not alerted (usage)
)

// Silence mutes alerts whose labels (model, type, subject, severity) equal
// every matcher while it is active: StartsAt <= event time < EndsAt.
type Silence struct {
	ID       string
	Matchers map[string]string
	StartsAt time.Time
	EndsAt   time.Time
}

// Policy is how findings become alerts.
type Policy struct {
	// Thresholds grade a finding's score per model and kind; ok = false
	// keeps the detector's severity.
	Thresholds func(model string, kind Kind) (t Thresholds, ok bool)
	// RepeatInterval: a problem (fingerprint) alerted at t is not alerted
	// again before t + RepeatInterval unless its severity rises.
	RepeatInterval time.Duration
	// Quiet lists kinds that are recorded but never alerted; nil means
	// DefaultQuiet.
	Quiet map[Kind]bool
}

// DefaultRepeatInterval is how long a problem stays quiet once alerted.
const DefaultRepeatInterval = 4 * time.Hour

// DefaultQuiet: volume alone is worth recording, not waking anyone for.
var DefaultQuiet = map[Kind]bool{KindUsage: true}

// DefaultThresholds are the lab's alert thresholds, per kind, each applied
// to the score documented for that kind (DESIGN.md).
var DefaultThresholds = map[Kind]Thresholds{
	KindDrift:           DriftThresholds,
	KindPredictionDrift: DriftThresholds,
	KindAdversarial:     {Warning: 0.5, Critical: 0.8},
	KindExtraction:      {Warning: 100, Critical: 1000},
	KindPromptInjection: {Warning: 50, Critical: 80},
}

// Manager turns findings into alerts: it grades, deduplicates and silences.
// It keeps no I/O of its own; the caller stores what it decides. Safe for
// concurrent use.
type Manager struct {
	policy   Policy
	mu       sync.Mutex
	last     map[string]seen
	silences []Silence
	handlers []handler
}

type seen struct {
	time     time.Time
	severity Severity
}

type handler struct {
	kind Kind
	fn   func(Alert)
}

// NewManager returns a manager with the given policy.
func NewManager(p Policy) *Manager {
	if p.Quiet == nil {
		p.Quiet = DefaultQuiet
	}
	return &Manager{policy: p, last: map[string]seen{}}
}

// Handle registers fn for alerts of a kind ("" for every kind), as the lab's
// register_handler does. Handlers run synchronously in Process, so they must
// be quick; slow work belongs in a receiver.
func (m *Manager) Handle(kind Kind, fn func(Alert)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handlers = append(m.handlers, handler{kind, fn})
}

// SetSilences replaces the silences.
func (m *Manager) SetSilences(s []Silence) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.silences = append([]Silence(nil), s...)
}

// Remember tells the manager about an alert raised before it started (read
// back from the store), so a restart does not repeat it.
func (m *Manager) Remember(fingerprint string, t time.Time, s Severity) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.last[fingerprint]; !ok || t.After(prev.time) {
		m.last[fingerprint] = seen{t, s}
	}
}

// Seen is what the manager remembers of a problem it alerted.
type Seen struct {
	Fingerprint string    `json:"fingerprint"`
	Time        time.Time `json:"time"`
	Severity    Severity  `json:"severity"`
}

// Remembered lists what the manager remembers, for a checkpoint; Remember
// gives it back.
func (m *Manager) Remembered() []Seen {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Seen, 0, len(m.last))
	for fp, s := range m.last {
		out = append(out, Seen{fp, s.time, s.severity})
	}
	slices.SortFunc(out, func(a, b Seen) int { return strings.Compare(a.Fingerprint, b.Fingerprint) })
	return out
}

// Process decides about one finding; the alert is meaningful when the
// decision is Alerted.
func (m *Manager) Process(f Finding) (Alert, Decision) {
	if m.policy.Thresholds != nil {
		if th, ok := m.policy.Thresholds(f.Model, f.Kind); ok {
			f.Severity = th.Severity(f.Score, f.Severity)
		}
	}
	fp := Fingerprint(f.Model, f.Kind, f.Subject)
	a := Alert{
		ID: AlertID(fp, f.Time), Fingerprint: fp, Time: f.Time, Type: f.Kind, Severity: f.Severity,
		Model: f.Model, Subject: f.Subject, Source: source(f), Summary: summary(f), Details: f.Evidence,
	}
	if m.policy.Quiet[f.Kind] {
		return a, NotAlerted
	}
	m.mu.Lock()
	for _, s := range m.silences {
		if s.matches(a) {
			m.mu.Unlock()
			return a, Silenced
		}
	}
	if prev, ok := m.last[fp]; ok && a.Severity <= prev.severity && absDuration(a.Time.Sub(prev.time)) < m.repeat() {
		m.mu.Unlock()
		return a, Deduplicated
	}
	m.last[fp] = seen{a.Time, a.Severity}
	handlers := append([]handler(nil), m.handlers...)
	m.mu.Unlock()
	for _, h := range handlers {
		if h.kind == "" || h.kind == a.Type {
			h.fn(a)
		}
	}
	return a, Alerted
}

func (m *Manager) repeat() time.Duration {
	if m.policy.RepeatInterval > 0 {
		return m.policy.RepeatInterval
	}
	return DefaultRepeatInterval
}

func (s Silence) matches(a Alert) bool {
	if a.Time.Before(s.StartsAt) || !a.Time.Before(s.EndsAt) {
		return false
	}
	labels := map[string]string{"model": a.Model, "type": string(a.Type), "subject": a.Subject, "severity": a.Severity.String()}
	for k, v := range s.Matchers {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func source(f Finding) string {
	if w, ok := f.Evidence["window"].(map[string]any); ok {
		if k, ok := w["kind"].(string); ok {
			return string(f.Kind) + "/" + k + "-window"
		}
	}
	return string(f.Kind)
}

func summary(f Finding) string {
	if s, ok := f.Evidence["summary"].(string); ok && s != "" {
		return s
	}
	return fmt.Sprintf("%s finding on %s", f.Kind, f.Subject)
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
