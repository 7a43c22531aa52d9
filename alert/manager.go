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

// Silencer is the silencing stage: it says which silence, if any, mutes an
// alert with these labels (model, type, subject, severity) raised at event
// time t. Package silence provides one.
type Silencer interface {
	Muting(labels map[string]string, t time.Time) (id string, ok bool)
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

// MaxRemembered bounds the problems a Manager remembers for deduplication.
// Past it the oldest are forgotten first; each model's problems older than
// the repeat interval before its newest alert are forgotten anyway, since
// they can no longer hold back an alert.
const MaxRemembered = 100_000

// Manager turns findings into alerts in stages: grade, silence,
// deduplicate. It keeps no I/O of its own; the caller saves what it
// decides and only then commits it (Decide, save, Commit), so that a
// failed save leaves nothing that would hold back the alert when the
// finding comes again. Safe for concurrent use.
type Manager struct {
	policy   Policy
	mu       sync.Mutex
	last     map[string]seen
	newest   map[string]time.Time // per model: the newest alert committed
	silencer Silencer
	handlers []handler
}

type seen struct {
	model    string
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
	return &Manager{policy: p, last: map[string]seen{}, newest: map[string]time.Time{}}
}

// Handle registers fn for alerts of a kind ("" for every kind), as the lab's
// register_handler does. Handlers run synchronously in Process, so they must
// be quick; slow work belongs in a receiver.
func (m *Manager) Handle(kind Kind, fn func(Alert)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handlers = append(m.handlers, handler{kind, fn})
}

// SetSilencer makes s the silencing stage; nil silences nothing.
func (m *Manager) SetSilencer(s Silencer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.silencer = s
}

// Remember tells the manager about an alert raised before it started (from
// a checkpoint), so a restart does not repeat it.
func (m *Manager) Remember(s Seen) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.last[s.Fingerprint]; ok && !s.Time.After(prev.time) {
		return
	}
	m.remember(s.Fingerprint, seen{s.Model, s.Time, s.Severity})
}

// remember records a problem alerted and forgets what can no longer hold
// back an alert. Called with m.mu held.
func (m *Manager) remember(fp string, s seen) {
	m.last[fp] = s
	if s.time.After(m.newest[s.model]) {
		m.newest[s.model] = s.time
	}
	if len(m.last) > MaxRemembered {
		m.forget()
	}
}

// forget drops the problems older than the repeat interval before their
// model's newest alert, then the oldest until the manager is back within
// MaxRemembered. Called with m.mu held.
func (m *Manager) forget() {
	repeat := m.repeat()
	for fp, s := range m.last {
		if s.time.Before(m.newest[s.model].Add(-repeat)) {
			delete(m.last, fp)
		}
	}
	if len(m.last) <= MaxRemembered*9/10 {
		return
	}
	times := make([]time.Time, 0, len(m.last))
	for _, s := range m.last {
		times = append(times, s.time)
	}
	slices.SortFunc(times, time.Time.Compare)
	cut := times[len(times)-MaxRemembered*9/10]
	for fp, s := range m.last {
		if s.time.Before(cut) {
			delete(m.last, fp)
		}
	}
}

// Seen is what the manager remembers of a problem it alerted.
type Seen struct {
	Fingerprint string    `json:"fingerprint"`
	Model       string    `json:"model,omitempty"`
	Time        time.Time `json:"time"`
	Severity    Severity  `json:"severity"`
}

// Remembered lists what the manager remembers, for a checkpoint; Remember
// gives it back. Problems that can no longer hold back an alert are left
// out.
func (m *Manager) Remembered() []Seen {
	m.mu.Lock()
	defer m.mu.Unlock()
	repeat := m.repeat()
	out := make([]Seen, 0, len(m.last))
	for fp, s := range m.last {
		if s.time.Before(m.newest[s.model].Add(-repeat)) {
			delete(m.last, fp)
			continue
		}
		out = append(out, Seen{fp, s.model, s.time, s.severity})
	}
	slices.SortFunc(out, func(a, b Seen) int { return strings.Compare(a.Fingerprint, b.Fingerprint) })
	return out
}

// Process decides about one finding and commits an alert at once: for
// callers that keep alerts in memory. The alert is meaningful when the
// decision is Alerted.
func (m *Manager) Process(f Finding) (Alert, Decision) {
	a, d := m.Decide(f)
	if d == Alerted {
		m.Commit(a)
	}
	return a, d
}

// Decide grades, silences and deduplicates one finding without recording
// anything: the alert is meaningful when the decision is Alerted, and the
// caller commits it once it is saved.
func (m *Manager) Decide(f Finding) (Alert, Decision) {
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
	defer m.mu.Unlock()
	if m.silencer != nil {
		if _, ok := m.silencer.Muting(a.Labels(), a.Time); ok {
			return a, Silenced
		}
	}
	if prev, ok := m.last[fp]; ok && a.Severity <= prev.severity && absDuration(a.Time.Sub(prev.time)) < m.repeat() {
		return a, Deduplicated
	}
	return a, Alerted
}

// Commit records an alert that Decide raised and the caller saved, so that
// the same problem is deduplicated from now on, and runs the handlers.
func (m *Manager) Commit(a Alert) {
	m.mu.Lock()
	m.remember(a.Fingerprint, seen{a.Model, a.Time, a.Severity})
	handlers := append([]handler(nil), m.handlers...)
	m.mu.Unlock()
	for _, h := range handlers {
		if h.kind == "" || h.kind == a.Type {
			h.fn(a)
		}
	}
}

func (m *Manager) repeat() time.Duration {
	if m.policy.RepeatInterval > 0 {
		return m.policy.RepeatInterval
	}
	return DefaultRepeatInterval
}

// Labels are the alert's labels that silences match.
func (a Alert) Labels() map[string]string {
	return map[string]string{"model": a.Model, "type": string(a.Type), "subject": a.Subject, "severity": a.Severity.String()}
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
