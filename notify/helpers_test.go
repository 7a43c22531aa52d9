package notify_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/store"
	"github.com/warden-ml/warden/store/sqlite"
)

// memOutbox keeps the outbox in memory with store.Store's semantics.
type memOutbox struct {
	mu      sync.Mutex
	nextID  int64
	keys    map[[2]string]bool        // (receiver, alert) ever enqueued
	status  map[int64]string          // pending, delivered, dead
	pending map[int64]*store.Delivery // only pending items, so Due stays cheap
}

func (m *memOutbox) Enqueue(_ context.Context, ds ...store.Delivery) error {
	for _, d := range ds {
		if err := d.Validate(); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys, m.status, m.pending = map[[2]string]bool{}, map[int64]string{}, map[int64]*store.Delivery{}
	}
	for _, d := range ds {
		key := [2]string{d.Receiver, d.AlertID}
		if m.keys[key] {
			continue
		}
		m.keys[key] = true
		m.nextID++
		d.ID = m.nextID
		d.Payload = slices.Clone(d.Payload)
		m.status[d.ID] = "pending"
		m.pending[d.ID] = &d
	}
	return nil
}

func (m *memOutbox) Due(_ context.Context, now time.Time, limit int) ([]store.Delivery, error) {
	if limit < 0 {
		return nil, fmt.Errorf("due: negative limit %d: %w", limit, store.ErrInvalid)
	}
	if limit == 0 {
		limit = store.DefaultLimit
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []store.Delivery
	for _, d := range m.pending {
		if !d.NextAttempt.After(now) {
			due = append(due, *d)
		}
	}
	slices.SortFunc(due, func(a, b store.Delivery) int {
		return cmp.Or(a.NextAttempt.Compare(b.NextAttempt), cmp.Compare(a.ID, b.ID))
	})
	return due[:min(limit, len(due))], nil
}

// update applies fn to a pending item and moves it to status.
func (m *memOutbox) update(id int64, status string, fn func(*store.Delivery)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch s := m.status[id]; s {
	case "":
		return fmt.Errorf("delivery %d: %w", id, store.ErrNotFound)
	case "pending":
		fn(m.pending[id])
		m.status[id] = status
		if status != "pending" {
			delete(m.pending, id)
		}
		return nil
	default:
		return fmt.Errorf("delivery %d is %s: %w", id, s, store.ErrConflict)
	}
}

func (m *memOutbox) Delivered(_ context.Context, id int64) error {
	err := m.update(id, "delivered", func(*store.Delivery) {})
	if errors.Is(err, store.ErrConflict) {
		return nil // marking it again is not an error
	}
	return err
}

func (m *memOutbox) Retry(_ context.Context, id int64, next time.Time, lastErr string) error {
	return m.update(id, "pending", func(d *store.Delivery) { d.Attempts++; d.NextAttempt = next; d.LastError = lastErr })
}

func (m *memOutbox) GiveUp(_ context.Context, id int64, lastErr string) error {
	return m.update(id, "dead", func(d *store.Delivery) { d.Attempts++; d.LastError = lastErr })
}

// outcome is what the dispatcher recorded for one item.
type outcome struct {
	Kind     string // delivered, retry, give up
	ID       int64
	Next     time.Time
	LastErr  string
	Receiver string
}

// recorder wraps an outbox and reports every recorded outcome, so tests
// wait for events instead of sleeping.
type recorder struct {
	notify.Outbox
	outcomes chan outcome
	dues     chan []store.Delivery // if not nil, gets Due results while it has room
	mu       sync.Mutex
	receiver map[int64]string
}

func newRecorder(out notify.Outbox) *recorder {
	return &recorder{Outbox: out, outcomes: make(chan outcome, 1000), receiver: map[int64]string{}}
}

func (r *recorder) Due(ctx context.Context, now time.Time, limit int) ([]store.Delivery, error) {
	ds, err := r.Outbox.Due(ctx, now, limit)
	r.mu.Lock()
	for _, d := range ds {
		r.receiver[d.ID] = d.Receiver
	}
	r.mu.Unlock()
	if r.dues != nil {
		select {
		case r.dues <- ds:
		default: // nobody is looking
		}
	}
	return ds, err
}

func (r *recorder) report(o outcome, err error) error {
	if err == nil {
		r.mu.Lock()
		o.Receiver = r.receiver[o.ID]
		r.mu.Unlock()
		r.outcomes <- o
	}
	return err
}

func (r *recorder) Delivered(ctx context.Context, id int64) error {
	return r.report(outcome{Kind: "delivered", ID: id}, r.Outbox.Delivered(ctx, id))
}

func (r *recorder) Retry(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return r.report(outcome{Kind: "retry", ID: id, Next: next, LastErr: lastErr}, r.Outbox.Retry(ctx, id, next, lastErr))
}

func (r *recorder) GiveUp(ctx context.Context, id int64, lastErr string) error {
	return r.report(outcome{Kind: "give up", ID: id, LastErr: lastErr}, r.Outbox.GiveUp(ctx, id, lastErr))
}

// waitTimeout only bounds how long a broken test hangs; passing tests
// never wait for it.
const waitTimeout = 10 * time.Second

func receive[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("no %s within %s", what, waitTimeout)
		panic("unreachable")
	}
}

func (r *recorder) next(t *testing.T) outcome {
	t.Helper()
	return receive(t, "outcome", r.outcomes)
}

// outboxKind is an outbox implementation the dispatcher tests run against.
type outboxKind struct {
	name string
	open func(t testing.TB) (out notify.Outbox, addAlert func(alert.Alert))
}

var (
	memoryOutbox = outboxKind{"memory", func(t testing.TB) (notify.Outbox, func(alert.Alert)) {
		return &memOutbox{}, func(alert.Alert) {}
	}}
	// sqliteOutbox is the store Warden runs with; it needs the alert stored
	// before its deliveries are enqueued.
	sqliteOutbox = outboxKind{"sqlite", func(t testing.TB) (notify.Outbox, func(alert.Alert)) {
		db := openSQLite(t, filepath.Join(t.TempDir(), "warden.db"))
		return db, func(a alert.Alert) {
			t.Helper()
			if _, _, err := db.UpsertAlert(context.Background(), a); err != nil {
				t.Fatal(err)
			}
		}
	}}
	outboxKinds = []outboxKind{memoryOutbox, sqliteOutbox}
)

func openSQLite(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// send is one call of a scripted sender.
type send struct {
	Payload string
	At      time.Time // fake time when it was called
}

// scripted answers its sends with results in turn, then with nil.
type scripted struct {
	name    string
	clock   *clock
	mu      sync.Mutex
	results []error
	sends   chan send
}

func newScripted(name string, c *clock, results ...error) *scripted {
	return &scripted{name: name, clock: c, results: results, sends: make(chan send, 1000)}
}

func (s *scripted) Name() string { return "scripted " + s.name }

func (s *scripted) Send(_ context.Context, payload []byte) error {
	s.mu.Lock()
	var err error
	if len(s.results) > 0 {
		err, s.results = s.results[0], s.results[1:]
	}
	s.mu.Unlock()
	s.sends <- send{Payload: string(payload), At: s.clock.Now()}
	return err
}

func (s *scripted) next(t *testing.T) send {
	t.Helper()
	return receive(t, "send to "+s.name, s.sends)
}

// gated blocks its first send until release is closed, then fails it
// with err; later sends succeed.
type gated struct {
	clock   *clock
	err     error
	release chan struct{}
	sends   chan send
	calls   atomic.Int32
}

func (g *gated) Name() string { return "gated" }

func (g *gated) Send(_ context.Context, payload []byte) error {
	first := g.calls.Add(1) == 1
	g.sends <- send{Payload: string(payload), At: g.clock.Now()}
	if first {
		<-g.release
		return g.err
	}
	return nil
}

// hung blocks every send until its context is done.
type hung struct{ started chan []byte }

func (h *hung) Name() string { return "hung" }

func (h *hung) Send(ctx context.Context, payload []byte) error {
	h.started <- payload
	<-ctx.Done()
	return ctx.Err()
}

// run starts d.Run and stops it when the test ends; stop stops it early
// and returns Run's result.
func run(t *testing.T, d *notify.Dispatcher) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = receive(t, "return from Run", done)
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func testAlert(n int, sev alert.Severity) alert.Alert {
	fp := alert.Fingerprint("fraud_detection_v2", alert.KindDrift, fmt.Sprintf("feature_%d", n))
	at := t0.Add(-time.Duration(n) * time.Minute)
	return alert.Alert{
		ID:          alert.AlertID(fp, at),
		Fingerprint: fp,
		Time:        at,
		Type:        alert.KindDrift,
		Severity:    sev,
		Model:       "fraud_detection_v2",
		Subject:     fmt.Sprintf("feature_%d", n),
		Source:      "drift/ks window 500",
		Summary:     fmt.Sprintf("feature_%d drifted", n),
		Details:     map[string]any{"statistic": 0.25 + float64(n)/100},
	}
}

// one is the notification of a single alert.
func one(a alert.Alert) notify.Notification {
	return notify.Notification{Model: a.Model, Alerts: []alert.Alert{a}}
}

// evaluation returns the alerts one window evaluation of model raises at
// t0, one per severity given, on columns feature_0, feature_1 and so on.
func evaluation(model string, sevs ...alert.Severity) []alert.Alert {
	out := make([]alert.Alert, len(sevs))
	for i, sev := range sevs {
		subject := fmt.Sprintf("feature_%d", i)
		fp := alert.Fingerprint(model, alert.KindDrift, subject)
		out[i] = alert.Alert{
			ID: alert.AlertID(fp, t0), Fingerprint: fp, Time: t0, Type: alert.KindDrift, Severity: sev,
			Model: model, Subject: subject, Source: "drift/ks window 500", Summary: subject + " drifted",
		}
	}
	return out
}

// line is the JSONLine of n.
func line(t testing.TB, n notify.Notification) string {
	t.Helper()
	b, err := notify.JSONLine(n)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
