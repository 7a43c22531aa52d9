package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/store"
)

// linearBackoff waits attempt*10s: easy to predict, different per attempt.
func linearBackoff(attempt int) time.Duration { return time.Duration(attempt) * 10 * time.Second }

// enqueue stores the alerts, as the server does first, and enqueues their
// notifications.
func enqueue(t *testing.T, d *notify.Dispatcher, addAlert func(alert.Alert), alerts ...alert.Alert) {
	t.Helper()
	for _, a := range alerts {
		addAlert(a)
	}
	for _, n := range notify.Group(alerts) {
		if err := d.Enqueue(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
}

func pending(t *testing.T, out notify.Outbox) []store.Delivery {
	t.Helper()
	due, err := out.Due(context.Background(), t0.Add(1000*time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return due
}

func TestRetryWithBackoffUntilSuccess(t *testing.T) {
	for _, kind := range outboxKinds {
		t.Run(kind.name, func(t *testing.T) {
			out, addAlert := kind.open(t)
			rec := newRecorder(out)
			clk := newClock()
			fail := errors.New("connection refused")
			s := newScripted("hook", clk, fail, fail, nil)
			d := notify.NewDispatcher(rec, []notify.Receiver{{Name: "hook", Sender: s}},
				notify.DispatcherOptions{Now: clk.Now, Backoff: linearBackoff})
			run(t, d)
			a := testAlert(1, alert.High)
			enqueue(t, d, addAlert, a)
			want := line(t, one(a))

			at := t0
			for attempt := 1; attempt <= 3; attempt++ {
				got := s.next(t)
				if got.Payload != want {
					t.Fatalf("attempt %d sent %q, want the enqueued payload %q", attempt, got.Payload, want)
				}
				if got.At.Before(at) {
					t.Fatalf("attempt %d sent at %s, before it was due at %s", attempt, got.At, at)
				}
				o := rec.next(t)
				if attempt == 3 {
					if o.Kind != "delivered" {
						t.Fatalf("attempt 3: outcome %+v, want delivered", o)
					}
					break
				}
				wantNext := at.Add(linearBackoff(attempt))
				if o.Kind != "retry" || !o.Next.Equal(wantNext) || !strings.Contains(o.LastErr, "connection refused") {
					t.Fatalf("attempt %d: outcome %+v, want retry at %s with the error", attempt, o, wantNext)
				}
				at = wantNext
				clk.Set(at)
				d.Kick()
			}
			if p := pending(t, out); len(p) != 0 {
				t.Errorf("still pending after delivery: %+v", p)
			}
		})
	}
}

func TestGiveUp(t *testing.T) {
	fail := errors.New("503 Service Unavailable")
	tests := []struct {
		name         string
		optsAttempts int
		recvAttempts int
		results      []error
		wantSends    int
		wantErr      string
	}{
		{"dead letter after MaxAttempts", 3, 0, []error{fail, fail, fail, fail}, 3, "gave up after 3 attempts: 503 Service Unavailable"},
		{"receiver's MaxAttempts wins", 5, 2, []error{fail, fail, fail}, 2, "gave up after 2 attempts: 503 Service Unavailable"},
		{"permanent error at once", 8, 0, []error{notify.Permanent(errors.New("400 Bad Request: unknown field"))}, 1, "400 Bad Request: unknown field"},
		{"permanent error wrapped", 8, 0, []error{fmt.Errorf("webhook: %w", notify.Permanent(errors.New("401 Unauthorized")))}, 1, "webhook: 401 Unauthorized"},
		{"permanent after retries", 8, 0, []error{fail, notify.Permanent(errors.New("410 Gone"))}, 2, "410 Gone"},
	}
	for _, kind := range outboxKinds {
		for _, tc := range tests {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				out, addAlert := kind.open(t)
				rec := newRecorder(out)
				clk := newClock()
				s := newScripted("hook", clk, tc.results...)
				d := notify.NewDispatcher(rec, []notify.Receiver{{Name: "hook", Sender: s, MaxAttempts: tc.recvAttempts}},
					notify.DispatcherOptions{Now: clk.Now, Backoff: linearBackoff, MaxAttempts: tc.optsAttempts})
				run(t, d)
				enqueue(t, d, addAlert, testAlert(1, alert.High))
				var last outcome
				for i := 1; i <= tc.wantSends; i++ {
					s.next(t)
					last = rec.next(t)
					if i < tc.wantSends {
						if last.Kind != "retry" {
							t.Fatalf("attempt %d: %+v, want retry", i, last)
						}
						clk.Set(last.Next)
						d.Kick()
					}
				}
				if last.Kind != "give up" || last.LastErr != tc.wantErr {
					t.Fatalf("last outcome %+v, want give up with %q", last, tc.wantErr)
				}
				if p := pending(t, out); len(p) != 0 {
					t.Errorf("a dead letter is still due: %+v", p)
				}
			})
		}
	}
}

func TestThrottledWaitsForRetryAfter(t *testing.T) {
	for _, kind := range outboxKinds {
		t.Run(kind.name, func(t *testing.T) {
			out, addAlert := kind.open(t)
			rec := newRecorder(out)
			clk := newClock()
			pauseEnd := t0.Add(time.Minute)
			throttled := newScripted("throttled", clk, notify.Throttled(errors.New("429 Too Many Requests"), time.Minute))
			other := newScripted("other", clk)
			d := notify.NewDispatcher(rec, []notify.Receiver{
				{Name: "throttled", Sender: throttled, Concurrency: 1},
				{Name: "other", Sender: other},
			}, notify.DispatcherOptions{Now: clk.Now, Backoff: linearBackoff})
			run(t, d)

			enqueue(t, d, addAlert, testAlert(1, alert.High))
			throttled.next(t)
			for range 2 {
				o := rec.next(t)
				if o.Receiver == "throttled" && (o.Kind != "retry" || !o.Next.Equal(pauseEnd)) {
					t.Fatalf("throttled outcome %+v, want retry at %s (Retry-After beats the 10s backoff)", o, pauseEnd)
				}
			}
			// While the receiver is paused, a new alert reaches the other
			// receiver but waits for the throttled one.
			clk.Set(pauseEnd.Add(-time.Second))
			enqueue(t, d, addAlert, testAlert(2, alert.High))
			other.next(t)
			if o := rec.next(t); o.Receiver != "other" || o.Kind != "delivered" {
				t.Fatalf("outcome %+v, want delivered to other", o)
			}
			clk.Set(pauseEnd)
			d.Kick()
			for range 2 {
				if s := throttled.next(t); s.At.Before(pauseEnd) {
					t.Errorf("sent at %s during the pause that ends at %s", s.At, pauseEnd)
				}
			}
		})
	}
}

// An item already queued behind the send that gets throttled waits for
// the pause to end too.
func TestThrottledPausesQueuedItems(t *testing.T) {
	rec := newRecorder(&memOutbox{})
	rec.dues = make(chan []store.Delivery, 10)
	clk := newClock()
	g := &gated{clock: clk, err: notify.Throttled(errors.New("429 Too Many Requests"), time.Minute),
		release: make(chan struct{}), sends: make(chan send, 10)}
	d := notify.NewDispatcher(rec, []notify.Receiver{{Name: "hook", Sender: g, Concurrency: 1}},
		notify.DispatcherOptions{Now: clk.Now, PollInterval: time.Millisecond})
	run(t, d)
	enqueue(t, d, func(alert.Alert) {}, testAlert(1, alert.High))
	receive(t, "first send", g.sends)
	enqueue(t, d, func(alert.Alert) {}, testAlert(2, alert.High))
	// The first poll that lists the second item queues it behind the
	// blocked send; any later poll starts after it has.
	for {
		if due := receive(t, "poll", rec.dues); len(due) == 2 {
			break
		}
	}
	receive(t, "a later poll", rec.dues)
	close(g.release)
	if o := rec.next(t); o.Kind != "retry" || !o.Next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("outcome %+v, want retry after a minute", o)
	}
	clk.Set(t0.Add(time.Minute))
	for range 2 {
		if s := receive(t, "send after the pause", g.sends); s.At.Before(t0.Add(time.Minute)) {
			t.Errorf("sent at %s, during the pause", s.At)
		}
	}
}

// A receiver whose sends hang holds its own workers only: the other
// receiver gets every alert, even with a batch size that the hung
// receiver's items fill.
func TestHungReceiverDoesNotDelayOthers(t *testing.T) {
	for _, kind := range outboxKinds {
		t.Run(kind.name, func(t *testing.T) {
			out, addAlert := kind.open(t)
			clk := newClock()
			stuck := &hung{started: make(chan []byte, 100)}
			ok := newScripted("ok", clk)
			d := notify.NewDispatcher(out, []notify.Receiver{
				{Name: "stuck", Sender: stuck, Concurrency: 2},
				{Name: "ok", Sender: ok, Concurrency: 1},
			}, notify.DispatcherOptions{Now: clk.Now, BatchSize: 2, PollInterval: time.Hour})
			stop := run(t, d)
			const n = 12
			want := make([]string, n)
			for i := range n {
				a := testAlert(i, alert.High)
				enqueue(t, d, addAlert, a)
				want[i] = line(t, one(a))
			}
			var got []string
			for range n {
				got = append(got, ok.next(t).Payload)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("ok received %q, want %q", got, want)
			}
			receive(t, "send to stuck", stuck.started)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			// The interrupted sends were not the receiver's fault: nothing
			// was counted against the stuck receiver's items.
			p := pending(t, out)
			if len(p) != n {
				t.Fatalf("%d items pending after stop, want the stuck receiver's %d", len(p), n)
			}
			for _, item := range p {
				if item.Receiver != "stuck" || item.Attempts != 0 {
					t.Errorf("pending %s/%d with %d attempts, want stuck with 0", item.Receiver, item.ID, item.Attempts)
				}
			}
		})
	}
}

func TestSendTimeoutCountsAsFailure(t *testing.T) {
	out := &memOutbox{}
	rec := newRecorder(out)
	clk := newClock()
	d := notify.NewDispatcher(rec, []notify.Receiver{{Name: "stuck", Sender: &hung{started: make(chan []byte, 1)}}},
		notify.DispatcherOptions{Now: clk.Now, Backoff: linearBackoff, SendTimeout: 10 * time.Millisecond})
	run(t, d)
	enqueue(t, d, func(alert.Alert) {}, testAlert(1, alert.High))
	o := rec.next(t)
	if o.Kind != "retry" || !o.Next.Equal(t0.Add(10*time.Second)) || !strings.Contains(o.LastErr, "no answer within 10ms") {
		t.Fatalf("outcome %+v, want a retry in 10s saying the send timed out", o)
	}
}

// Enqueueing a notification again, with its alerts in another order,
// adds nothing, before delivery and after.
func TestEnqueueIsIdempotent(t *testing.T) {
	for _, kind := range outboxKinds {
		t.Run(kind.name, func(t *testing.T) {
			out, addAlert := kind.open(t)
			rec := newRecorder(out)
			clk := newClock()
			s := newScripted("hook", clk)
			d := notify.NewDispatcher(rec, []notify.Receiver{{Name: "hook", Sender: s}, {Name: "file", Sender: s}},
				notify.DispatcherOptions{Now: clk.Now})
			alerts := evaluation("fraud_detection_v2", alert.Medium, alert.Critical, alert.High)
			enqueue(t, d, addAlert, alerts...)
			enqueue(t, d, addAlert, alerts[2], alerts[1], alerts[0])
			p := pending(t, out)
			if len(p) != 2 {
				t.Fatalf("%d items after enqueueing twice, want 2: %+v", len(p), p)
			}
			for _, item := range p {
				if item.AlertID != alerts[1].ID {
					t.Errorf("item for %s keyed %s, want the critical alert's ID %s", item.Receiver, item.AlertID, alerts[1].ID)
				}
			}
			run(t, d)
			for range 2 {
				if o := rec.next(t); o.Kind != "delivered" {
					t.Fatalf("outcome %+v", o)
				}
			}
			want := line(t, notify.Group(alerts)[0])
			for range 2 {
				if got := s.next(t).Payload; got != want {
					t.Errorf("sent %s, want %s", got, want)
				}
			}
			enqueue(t, d, addAlert, alerts[1], alerts[0], alerts[2]) // after delivery: still nothing new
			if p := pending(t, out); len(p) != 0 {
				t.Fatalf("enqueueing a delivered notification again made %+v due", p)
			}
		})
	}
}

// The same alerts enqueued again after a crash, as the server's replay of
// its event log does, neither lose nor repeat a delivery: enqueued before
// the crash, they are sent once; never enqueued (the crash came between
// storing and enqueueing), they are sent once too.
func TestEnqueueAgainAfterRestart(t *testing.T) {
	for _, enqueuedBefore := range []bool{true, false} {
		t.Run(fmt.Sprintf("enqueued before the crash %v", enqueuedBefore), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "warden.db")
			db := openSQLite(t, path)
			clk := newClock()
			alerts := evaluation("fraud_detection_v2", alert.High, alert.Low, alert.Critical, alert.Low)
			receivers := func(s notify.Sender) []notify.Receiver {
				return []notify.Receiver{{Name: "all", Sender: s}, {Name: "urgent", MinSeverity: alert.High, Sender: s}}
			}
			first := notify.NewDispatcher(db, receivers(newScripted("first", clk)), notify.DispatcherOptions{Now: clk.Now})
			for _, a := range alerts {
				if _, _, err := db.UpsertAlert(context.Background(), a); err != nil {
					t.Fatal(err)
				}
			}
			if enqueuedBefore {
				if err := first.Enqueue(context.Background(), notify.Group(alerts)[0]); err != nil {
					t.Fatal(err)
				}
			}
			db.Close() // the crash: nothing was sent

			db = openSQLite(t, path)
			rec := newRecorder(db)
			s := newScripted("second", clk)
			second := notify.NewDispatcher(rec, receivers(s), notify.DispatcherOptions{Now: clk.Now})
			replayed := slices.Clone(alerts)
			slices.Reverse(replayed)
			for _, a := range replayed {
				if _, created, err := db.UpsertAlert(context.Background(), a); err != nil || created {
					t.Fatalf("storing alert %s again: created %v, %v", a.ID, created, err)
				}
			}
			for _, n := range notify.Group(replayed) {
				if err := second.Enqueue(context.Background(), n); err != nil {
					t.Fatal(err)
				}
			}
			run(t, second)
			var got []string
			for range 2 {
				got = append(got, s.next(t).Payload)
				if o := rec.next(t); o.Kind != "delivered" {
					t.Fatalf("outcome %+v, want delivered", o)
				}
			}
			n := notify.Group(alerts)[0]
			urgent := n
			urgent.Alerts = n.Alerts[:2] // critical, high
			want := []string{line(t, n), line(t, urgent)}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("sent %q, want %q", got, want)
			}
			if p := pending(t, db); len(p) != 0 {
				t.Errorf("still pending: %+v", p)
			}
		})
	}
}

// Each receiver gets one item per notification with the alerts that reach
// its MinSeverity, and none when no alert does.
func TestMinSeverityRouting(t *testing.T) {
	clk := newClock()
	receivers := []notify.Receiver{
		{Name: "all", Sender: newScripted("all", clk)}, // alert.None: every alert
		{Name: "low", MinSeverity: alert.Low, Sender: newScripted("low", clk)},
		{Name: "high", MinSeverity: alert.High, Sender: newScripted("high", clk)},
		{Name: "critical", MinSeverity: alert.Critical, Sender: newScripted("critical", clk)},
	}
	const (
		N = alert.None
		L = alert.Low
		M = alert.Medium
		H = alert.High
		C = alert.Critical
	)
	tests := []struct {
		sevs []alert.Severity
		want map[string]int // alerts per receiver; a receiver left out gets no item
	}{
		{[]alert.Severity{N}, map[string]int{"all": 1}},
		{[]alert.Severity{L}, map[string]int{"all": 1, "low": 1}},
		{[]alert.Severity{M, L}, map[string]int{"all": 2, "low": 2}},
		{[]alert.Severity{N, M, H, L}, map[string]int{"all": 4, "low": 3, "high": 1}},
		{[]alert.Severity{H, C, H}, map[string]int{"all": 3, "low": 3, "high": 3, "critical": 1}},
		{[]alert.Severity{L, C, N, L, M, H}, map[string]int{"all": 6, "low": 5, "high": 2, "critical": 1}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.sevs), func(t *testing.T) {
			out := &memOutbox{}
			d := notify.NewDispatcher(out, receivers, notify.DispatcherOptions{Now: clk.Now})
			n := notify.Group(evaluation("fraud_detection_v2", tc.sevs...))[0]
			if err := d.Enqueue(context.Background(), n); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, item := range pending(t, out) {
				if item.AlertID != n.ID() {
					t.Errorf("%s: item keyed %q, want the notification's ID %q", item.Receiver, item.AlertID, n.ID())
				}
				var doc struct {
					ID       string
					Severity alert.Severity
					Count    int
					Alerts   []alert.Alert
				}
				if err := json.Unmarshal(item.Payload, &doc); err != nil {
					t.Fatal(err)
				}
				minSev := receivers[slices.IndexFunc(receivers, func(r notify.Receiver) bool { return r.Name == item.Receiver })].MinSeverity
				for _, a := range doc.Alerts {
					if a.Severity < minSev {
						t.Errorf("%s (min %s) got a %s alert", item.Receiver, minSev, a.Severity)
					}
				}
				if doc.ID != n.ID() || doc.Severity != n.Severity() || doc.Count != len(doc.Alerts) {
					t.Errorf("%s: payload %s", item.Receiver, item.Payload)
				}
				got[item.Receiver] = doc.Count
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("alerts per receiver %v, want %v", got, tc.want)
			}
		})
	}
}

// A new dispatcher on the same store sends what the old one left: an item
// whose send was cut short by shutdown and one never tried, with the bytes
// formatted when they were enqueued.
func TestRestartDeliversPending(t *testing.T) {
	path := filepath.Join(t.TempDir(), "warden.db")
	db := openSQLite(t, path)
	clk := newClock()
	stuck := &hung{started: make(chan []byte, 10)}
	first := notify.NewDispatcher(db, []notify.Receiver{{Name: "hook", Sender: stuck, Concurrency: 1}},
		notify.DispatcherOptions{Now: clk.Now})
	var want []string
	for i := range 2 {
		a := testAlert(i, alert.Critical)
		if _, _, err := db.UpsertAlert(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if err := first.Enqueue(context.Background(), one(a)); err != nil {
			t.Fatal(err)
		}
		want = append(want, line(t, one(a)))
	}
	stop := run(t, first)
	receive(t, "send to the hung receiver", stuck.started)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openSQLite(t, path)
	rec := newRecorder(db)
	// The formatter has changed since: the stored bytes are what is sent.
	s := newScripted("hook", clk)
	second := notify.NewDispatcher(rec, []notify.Receiver{{Name: "hook", Sender: s, Format: func(notify.Notification) ([]byte, error) {
		return []byte("reformatted"), nil
	}}}, notify.DispatcherOptions{Now: clk.Now})
	run(t, second)
	var got []string
	for range 2 {
		got = append(got, s.next(t).Payload)
		if o := rec.next(t); o.Kind != "delivered" {
			t.Fatalf("outcome %+v, want delivered", o)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("after restart sent %q, want %q", got, want)
	}
	if p := pending(t, db); len(p) != 0 {
		t.Errorf("still pending: %+v", p)
	}
}

// Many quick deliveries with polls racing their outcomes: every item is
// sent exactly once, although a poll may list an item whose outcome is
// being recorded.
func TestEachItemSentOnce(t *testing.T) {
	out := &memOutbox{}
	rec := newRecorder(out)
	clk := newClock()
	a, b := newScripted("a", clk), newScripted("b", clk)
	d := notify.NewDispatcher(rec, []notify.Receiver{{Name: "a", Sender: a}, {Name: "b", Sender: b, Concurrency: 3}},
		notify.DispatcherOptions{Now: clk.Now, PollInterval: 50 * time.Microsecond, BatchSize: 8})
	run(t, d)
	n := 300
	if testing.Short() {
		n = 100
	}
	for i := range n {
		enqueue(t, d, func(alert.Alert) {}, testAlert(i, alert.High))
	}
	for range 2 * n {
		if o := rec.next(t); o.Kind != "delivered" {
			t.Fatalf("outcome %+v", o)
		}
	}
	for _, s := range []*scripted{a, b} {
		seen := map[string]bool{}
		for len(s.sends) > 0 {
			p := (<-s.sends).Payload
			if seen[p] {
				t.Errorf("%s: sent twice: %s", s.name, p)
			}
			seen[p] = true
		}
		if len(seen) != n {
			t.Errorf("%s: %d distinct sends, want %d", s.name, len(seen), n)
		}
	}
}

func TestUnconfiguredReceiverIsDeadLettered(t *testing.T) {
	out := &memOutbox{}
	a := testAlert(1, alert.High)
	if err := out.Enqueue(context.Background(), store.Delivery{Receiver: "removed", AlertID: a.ID, Payload: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder(out)
	clk := newClock()
	d := notify.NewDispatcher(rec, []notify.Receiver{{Name: "hook", Sender: newScripted("hook", clk)}}, notify.DispatcherOptions{Now: clk.Now})
	run(t, d)
	o := rec.next(t)
	if o.Kind != "give up" || o.LastErr != `receiver "removed" is not configured` {
		t.Fatalf("outcome %+v, want a dead letter naming the receiver", o)
	}
}

func TestEnqueueFormatError(t *testing.T) {
	out := &memOutbox{}
	clk := newClock()
	bad := func(notify.Notification) ([]byte, error) { return nil, errors.New("no template") }
	d := notify.NewDispatcher(out, []notify.Receiver{
		{Name: "broken", Sender: newScripted("broken", clk), Format: bad},
		{Name: "fine", Sender: newScripted("fine", clk)},
	}, notify.DispatcherOptions{Now: clk.Now})
	err := d.Enqueue(context.Background(), one(testAlert(1, alert.High)))
	if err == nil || !strings.Contains(err.Error(), "receiver broken: no template") {
		t.Fatalf("Enqueue error %v, want one naming the broken receiver", err)
	}
	if p := pending(t, out); len(p) != 1 || p[0].Receiver != "fine" {
		t.Fatalf("pending %+v, want the fine receiver's item only", p)
	}
}

// Enqueue refuses a notification that Group could not have made, and
// enqueues nothing for it.
func TestEnqueueRefusesBadNotifications(t *testing.T) {
	window := evaluation("m", alert.High, alert.Low)
	other := testAlert(1, alert.High) // another model
	noID := window[1]
	noID.ID = ""
	tests := []struct {
		name string
		n    notify.Notification
		want string
	}{
		{"empty", notify.Notification{Model: "m"}, "notification for m: no alerts"},
		{"no id", notify.Notification{Model: "m", Alerts: []alert.Alert{window[0], noID}}, "alert id is empty"},
		{"twice", notify.Notification{Model: "m", Alerts: []alert.Alert{window[0], window[0]}}, "is in it twice"},
		{"other model", notify.Notification{Model: "m", Alerts: []alert.Alert{window[0], other}}, "alert " + other.ID + " is for fraud_detection_v2"},
		{"unset model", notify.Notification{Alerts: window}, "is for m"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := &memOutbox{}
			d := notify.NewDispatcher(out, []notify.Receiver{{Name: "a", Sender: nop{}}}, notify.DispatcherOptions{})
			if err := d.Enqueue(context.Background(), tc.n); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if p := pending(t, out); len(p) != 0 {
				t.Errorf("enqueued %+v", p)
			}
		})
	}
}

func TestConfigurationErrors(t *testing.T) {
	s := newScripted("s", newClock())
	tests := []struct {
		name      string
		out       notify.Outbox
		receivers []notify.Receiver
		opts      notify.DispatcherOptions
		want      string
	}{
		{"no name", &memOutbox{}, []notify.Receiver{{Sender: s}}, notify.DispatcherOptions{}, "receivers[0]: name is empty"},
		{"no sender", &memOutbox{}, []notify.Receiver{{Name: "a"}}, notify.DispatcherOptions{}, `receiver "a": sender is nil`},
		{"same name", &memOutbox{}, []notify.Receiver{{Name: "a", Sender: s}, {Name: "a", Sender: s}}, notify.DispatcherOptions{}, `receivers[1]: receiver "a": name used twice`},
		{"negative attempts", &memOutbox{}, []notify.Receiver{{Name: "a", Sender: s, MaxAttempts: -1}}, notify.DispatcherOptions{}, "max attempts is negative"},
		{"huge concurrency", &memOutbox{}, []notify.Receiver{{Name: "a", Sender: s, Concurrency: 1 << 20}}, notify.DispatcherOptions{}, "concurrency 1048576 is not between 0 and 1024"},
		{"negative poll", &memOutbox{}, nil, notify.DispatcherOptions{PollInterval: -time.Second}, "poll interval is negative"},
		{"negative batch", &memOutbox{}, nil, notify.DispatcherOptions{BatchSize: -1}, "batch size is negative"},
		{"no outbox", nil, nil, notify.DispatcherOptions{}, "outbox is nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := notify.NewDispatcher(tc.out, tc.receivers, tc.opts)
			for what, err := range map[string]error{
				"Run":     d.Run(context.Background()),
				"Enqueue": d.Enqueue(context.Background(), one(testAlert(1, alert.High))),
			} {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: error %v, want one containing %q", what, err, tc.want)
				}
			}
		})
	}
}

func TestRunTwice(t *testing.T) {
	clk := newClock()
	s := newScripted("hook", clk)
	d := notify.NewDispatcher(&memOutbox{}, []notify.Receiver{{Name: "hook", Sender: s}}, notify.DispatcherOptions{Now: clk.Now})
	stop := run(t, d)
	enqueue(t, d, func(alert.Alert) {}, testAlert(1, alert.High))
	s.next(t) // Run is running
	if err := d.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second Run: %v, want already running", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Stopped, it may run again.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
}
