// Package store defines what Warden keeps between restarts: models and
// their profiles, drift window history, findings, alerts, silences, the
// notification outbox and the pipeline's checkpoint. Implementations live
// in subpackages (sqlite today); store/storetest holds the conformance
// suite every implementation passes.
//
// Times are kept to the nanosecond and come back in UTC. The zero
// time.Time is stored as "unset" and comes back as the zero time; other
// times must lie within what Unix nanoseconds represent (years 1678 to
// 2262). The service takes event times from pipeline.MinTime to
// pipeline.MaxTime only (1678 to 2261), so that every window around them
// fits. JSON-valued fields (Finding.Evidence, Alert.Details) come back as
// encoding/json decodes them into map[string]any: numbers as float64.
package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/warden-ml/warden/alert"
)

// Errors the caller can act on; returned errors wrap them with what they
// are about (errors.Is(err, ErrNotFound)).
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid")  // a value the store refuses; the message says which field
	ErrConflict = errors.New("conflict") // the request does not fit the stored state
)

// Model is a monitored model's configuration and reference profile.
type Model struct {
	Name      string
	Config    []byte // JSON, opaque to the store
	Profile   []byte // encoded drift profile, opaque to the store
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Window kinds.
const (
	WindowCount    = "count"
	WindowTumbling = "tumbling"
	WindowSliding  = "sliding"
	// WindowOutliers is a pane's summary of screened inputs; its Report is
	// the outlier summary and Drift is false.
	WindowOutliers = "outliers"
	// WindowTraffic counts a pane's events, whatever the detectors do
	// with them, so that reports can say how many events a period held.
	WindowTraffic = "traffic"
)

// Window is one evaluated drift window. Its identity is (Model, Kind, End,
// LastSeq): adding the same window again, as replay after a crash does,
// changes nothing.
type Window struct {
	Model    string
	Kind     string    // WindowCount, WindowTumbling, WindowSliding, WindowOutliers or WindowTraffic
	Start    time.Time // event times
	End      time.Time
	FirstSeq int64
	LastSeq  int64
	Events   int
	Late     int
	Drift    bool
	Report   []byte // JSON
}

// AlertState is where an alert is in its life.
type AlertState string

// Alert states.
const (
	StateFiring       AlertState = "firing"
	StateAcknowledged AlertState = "acknowledged"
)

// AlertRecord is a stored alert.
//
// The store keeps one record per alert ID and does not deduplicate: that is
// the alert manager's job (LastAlert gives it what it needs after a
// restart). FirstSeen and Count describe the alert's fingerprint as of the
// record's creation: the time of the first alert with that fingerprint and
// how many alerts with it, this one included, the store had seen.
type AlertRecord struct {
	alert.Alert
	State     AlertState
	AckedBy   string
	AckedAt   time.Time
	FirstSeen time.Time
	Count     int
}

// AlertFilter selects alerts; zero fields match everything.
type AlertFilter struct {
	Model       string
	Type        alert.Kind
	MinSeverity alert.Severity
	Since       time.Time // alert time >= Since
	State       AlertState
	// After, when set, starts the listing just after this alert in its
	// newest-first order (time, then ID, both descending): a page's last
	// alert gives the next page.
	After *AlertCursor
	Limit int // 0 means DefaultLimit
}

// AlertCursor is a place in the newest-first order of alerts.
type AlertCursor struct {
	Time time.Time
	ID   string
}

// WindowFilter selects windows.
type WindowFilter struct {
	Model string   // "" for all models
	Kinds []string // none for every kind
	// EndAfter and EndUntil bound the window's End: After < End <= Until;
	// a zero time leaves that side open.
	EndAfter, EndUntil time.Time
	Limit              int // 0 means DefaultLimit
}

// DefaultLimit is the number of rows a listing returns when its limit is 0.
const DefaultLimit = 100

// Silence mutes the alerts whose labels (model, type, subject, severity,
// ...) match all of Matchers exactly while it is active, from StartsAt up
// to but excluding EndsAt. The alert manager does the matching.
type Silence struct {
	ID       string
	Matchers map[string]string
	// MatchersRegex holds patterns a label must match, MatchersNot values
	// it must differ from.
	MatchersRegex map[string]string
	MatchersNot   map[string]string
	StartsAt      time.Time
	EndsAt        time.Time
	CreatedBy     string
	Comment       string
}

// Delivery is one alert on its way to one receiver: an outbox item.
type Delivery struct {
	ID          int64 // assigned by Enqueue
	Receiver    string
	AlertID     string
	Payload     []byte
	Attempts    int
	NextAttempt time.Time // zero means at once
	LastError   string
}

// Checkpoint is how far the pipeline has processed the event log, with the
// detector state to resume from.
type Checkpoint struct {
	Position []byte // opaque: the caller stores an eventlog.Position
	State    []byte // opaque detector state
	// Parts is more state, in named pieces kept apart so that a piece that
	// has not changed need not be written again: SaveCheckpoint replaces
	// the parts it is given (a nil one is deleted) and keeps the others,
	// and LoadCheckpoint returns them all.
	Parts map[string][]byte
	At    time.Time
}

// Retention says what Prune deletes: rows older than each cutoff. A zero
// cutoff keeps everything of that kind.
type Retention struct {
	Windows  time.Time // windows that ended before
	Alerts   time.Time // alerts (with their outbox items) whose time is before
	Findings time.Time // findings whose time is before
	Silences time.Time // silences that ended before
	Audit    time.Time // audit entries recorded before
}

// PruneStats counts what Prune deleted.
type PruneStats struct {
	Windows    int64
	Alerts     int64
	Deliveries int64
	Findings   int64
	Silences   int64
	Audit      int64
}

// AuditEntry is one thing somebody did, or was refused: who (the token's
// name, "anonymous" without tokens), when (the server's clock), from where,
// what and to what, with the details of the change.
type AuditEntry struct {
	ID     int64 // assigned by AddAudit
	Time   time.Time
	Actor  string
	Remote string
	Action string // "model.register", "reference.upload", "refused.token", ...
	Target string // the model, alert or silence acted on; "" when none
	Detail map[string]any
}

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	Since  time.Time // Time >= Since
	Action string    // exact, or a prefix ending in "." ("refused.")
	Before int64     // ID < Before when positive: the next page
	Limit  int       // 0 means DefaultLimit
}

// Store is Warden's persistent state. Methods are safe for concurrent use.
// A write has reached stable storage when it returns without error, except
// where an implementation documents otherwise for data the pipeline can
// rebuild from the event log.
type Store interface {
	// PutModel inserts or replaces the model with m.Name.
	PutModel(ctx context.Context, m Model) error
	Model(ctx context.Context, name string) (Model, error)
	// Models lists all models by name.
	Models(ctx context.Context) ([]Model, error)
	// DeleteModel deletes the model; its windows, findings and alerts stay
	// until retention prunes them.
	DeleteModel(ctx context.Context, name string) error

	// AddWindow records a window; it is idempotent on the window's identity.
	AddWindow(ctx context.Context, w Window) error
	// Windows lists the windows f selects, newest (End, LastSeq) first.
	Windows(ctx context.Context, f WindowFilter) ([]Window, error)

	// RecordFinding keeps the history of all findings, alerted or not; it
	// is idempotent on (Model, Kind, Subject, Time).
	RecordFinding(ctx context.Context, f alert.Finding) error
	// SaveResults stores windows and findings in one transaction, as
	// AddWindow and RecordFinding would one by one.
	SaveResults(ctx context.Context, windows []Window, findings []alert.Finding) error
	// Findings lists findings of a model ("" for all models) at or after
	// since, newest first; limit 0 means DefaultLimit.
	Findings(ctx context.Context, model string, since time.Time, limit int) ([]alert.Finding, error)

	// UpsertAlert stores a new alert as firing and returns its record with
	// created = true; for an ID already stored it returns the stored record
	// unchanged with created = false.
	UpsertAlert(ctx context.Context, a alert.Alert) (rec AlertRecord, created bool, err error)
	Alert(ctx context.Context, id string) (AlertRecord, error)
	// Alerts lists the alerts f selects, newest first.
	Alerts(ctx context.Context, f AlertFilter) ([]AlertRecord, error)
	// LastAlert returns the newest alert with the fingerprint.
	LastAlert(ctx context.Context, fingerprint string) (AlertRecord, error)
	// AckAlert acknowledges an alert. Acknowledging it again keeps the first
	// acknowledgement and returns the record unchanged.
	AckAlert(ctx context.Context, id, by string, at time.Time) (AlertRecord, error)

	// AddSilence stores s, replacing a silence with the same ID (which is
	// how a silence is extended or ended early).
	AddSilence(ctx context.Context, s Silence) error
	// Silences lists every stored silence, in effect, yet to come or
	// ended, by StartsAt, then ID: silences match on event time, which
	// the wall clock says nothing about.
	Silences(ctx context.Context) ([]Silence, error)
	// ExpireSilence ends a silence at t (at its start, if that is later)
	// and returns it; one already ended before t is returned unchanged.
	// ErrNotFound when there is no such silence.
	ExpireSilence(ctx context.Context, id string, t time.Time) (Silence, error)

	// Enqueue adds outbox items for stored alerts. It is idempotent on
	// (Receiver, AlertID): an item already enqueued, delivered or given up
	// is left as it is. The store assigns IDs; Due returns them.
	Enqueue(ctx context.Context, deliveries ...Delivery) error
	// Due lists pending items whose NextAttempt is at or before now, oldest
	// NextAttempt first, then by ID. Listing does not claim them.
	Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// Delivered marks an item done. Marking it again is not an error.
	Delivered(ctx context.Context, id int64) error
	// Retry counts a failed attempt and schedules the next one.
	Retry(ctx context.Context, id int64, next time.Time, lastErr string) error
	// GiveUp counts a failed attempt and dead-letters the item: it is kept
	// but never due again.
	GiveUp(ctx context.Context, id int64, lastErr string) error

	// SaveCheckpoint replaces the checkpoint, and of its parts those in
	// c.Parts, at once.
	SaveCheckpoint(ctx context.Context, c Checkpoint) error
	// LoadCheckpoint returns the checkpoint, or false if none was saved.
	LoadCheckpoint(ctx context.Context) (Checkpoint, bool, error)

	// AddAudit records an audit entry and returns its ID; entries are
	// never changed, only pruned.
	AddAudit(ctx context.Context, e AuditEntry) (int64, error)
	// Audit lists the entries f selects, newest first.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	// Prune deletes what r says is too old, in one transaction.
	Prune(ctx context.Context, r Retention) (PruneStats, error)

	Close() error
}

// invalid returns an error wrapping ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// CheckTime refuses a time that Unix nanoseconds cannot represent; field
// names it in the error. The zero time is accepted: it means unset.
func CheckTime(field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return invalid("%s %s is outside the years 1678 to 2262", field, t.Format(time.RFC3339))
	}
	return nil
}

var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// Validate checks that m can be stored.
func (m Model) Validate() error {
	if m.Name == "" {
		return invalid("model: name is empty")
	}
	if err := CheckTime("model "+m.Name+": created_at", m.CreatedAt); err != nil {
		return err
	}
	return CheckTime("model "+m.Name+": updated_at", m.UpdatedAt)
}

var windowKinds = []string{WindowCount, WindowTumbling, WindowSliding, WindowOutliers, WindowTraffic}

// Validate checks that w can be stored.
func (w Window) Validate() error {
	switch {
	case w.Model == "":
		return invalid("window: model is empty")
	case !slices.Contains(windowKinds, w.Kind):
		return invalid("window of model %s: kind %q is not %s", w.Model, w.Kind, strings.Join(windowKinds, ", "))
	case w.End.Before(w.Start):
		return invalid("window of model %s: end %s is before start %s", w.Model, w.End.Format(time.RFC3339Nano), w.Start.Format(time.RFC3339Nano))
	case w.LastSeq < w.FirstSeq:
		return invalid("window of model %s: last_seq %d is below first_seq %d", w.Model, w.LastSeq, w.FirstSeq)
	case w.Events < 0 || w.Late < 0:
		return invalid("window of model %s: negative count (events %d, late %d)", w.Model, w.Events, w.Late)
	}
	if err := CheckTime("window of model "+w.Model+": start", w.Start); err != nil {
		return err
	}
	return CheckTime("window of model "+w.Model+": end", w.End)
}

// ValidateFinding checks that f can be stored.
func ValidateFinding(f alert.Finding) error {
	if f.Kind == "" {
		return invalid("finding: kind is empty")
	}
	if f.Time.IsZero() {
		return invalid("finding %s of model %q: time is unset", f.Kind, f.Model)
	}
	return CheckTime(fmt.Sprintf("finding %s of model %q: time", f.Kind, f.Model), f.Time)
}

// ValidateAlert checks that a can be stored.
func ValidateAlert(a alert.Alert) error {
	switch {
	case a.ID == "":
		return invalid("alert: id is empty")
	case a.Fingerprint == "":
		return invalid("alert %s: fingerprint is empty", a.ID)
	case a.Time.IsZero():
		return invalid("alert %s: time is unset", a.ID)
	}
	return CheckTime("alert "+a.ID+": time", a.Time)
}

// Validate checks that s can be stored. A silence without matchers would
// mute everything, so it is refused.
func (s Silence) Validate() error {
	switch {
	case s.ID == "":
		return invalid("silence: id is empty")
	case len(s.Matchers)+len(s.MatchersRegex) == 0:
		return invalid("silence %s: no matchers (it would mute every alert)", s.ID)
	case s.StartsAt.IsZero() || s.EndsAt.IsZero():
		return invalid("silence %s: starts_at and ends_at are required", s.ID)
	case !s.EndsAt.After(s.StartsAt):
		return invalid("silence %s: ends_at %s is not after starts_at %s", s.ID, s.EndsAt.Format(time.RFC3339), s.StartsAt.Format(time.RFC3339))
	}
	for name := range s.Matchers {
		if name == "" {
			return invalid("silence %s: a matcher has an empty name", s.ID)
		}
	}
	if err := CheckTime("silence "+s.ID+": starts_at", s.StartsAt); err != nil {
		return err
	}
	return CheckTime("silence "+s.ID+": ends_at", s.EndsAt)
}

// Validate checks that d can be enqueued.
func (d Delivery) Validate() error {
	switch {
	case d.Receiver == "":
		return invalid("delivery: receiver is empty")
	case d.AlertID == "":
		return invalid("delivery to %s: alert id is empty", d.Receiver)
	}
	return CheckTime("delivery of "+d.AlertID+" to "+d.Receiver+": next_attempt", d.NextAttempt)
}

// Validate checks that c can be stored.
func (c Checkpoint) Validate() error {
	return CheckTime("checkpoint: at", c.At)
}
