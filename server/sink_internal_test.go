package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/store"
	"github.com/warden-ml/warden/store/sqlite"
)

// discard accepts every payload; the tests read the outbox instead.
type discard struct{}

func (discard) Name() string                       { return "discard" }
func (discard) Send(context.Context, []byte) error { return nil }

// sinkServer is the part of a Server the sink uses, on a fresh store. A
// new manager stands for a restart from a checkpoint taken before the
// findings: it does not remember their alerts.
func sinkServer(t *testing.T, db *sqlite.DB) *Server {
	t.Helper()
	s := &Server{
		db:      db,
		log:     slog.New(slog.DiscardHandler),
		metrics: newMetrics(),
		opts:    Options{Now: time.Now},
		notify: notify.NewDispatcher(db, []notify.Receiver{
			{Name: "all", Sender: discard{}},
			{Name: "urgent", MinSeverity: alert.Critical, Sender: discard{}},
		}, notify.DispatcherOptions{}),
	}
	s.manager.Store(alert.NewManager(alert.Policy{}))
	s.registerHealthMetrics()
	s.saver = newSaver(s)
	t.Cleanup(s.saver.close)
	return s
}

// outbox maps each pending item's receiver to the subjects its payload
// lists.
func outbox(t *testing.T, db *sqlite.DB) map[string][][]string {
	t.Helper()
	items, err := db.Due(context.Background(), time.Now().Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]string{}
	for _, item := range items {
		var n struct{ Alerts []alert.Alert }
		if err := json.Unmarshal(item.Payload, &n); err != nil {
			t.Fatal(err)
		}
		var subjects []string
		for _, a := range n.Alerts {
			subjects = append(subjects, a.Subject)
		}
		out[item.Receiver] = append(out[item.Receiver], subjects)
	}
	return out
}

func drifted(subject string, sev alert.Severity, at time.Time) alert.Finding {
	return alert.Finding{Kind: alert.KindDrift, Severity: sev, Model: "bikes", Subject: subject, Score: 0.2, Time: at}
}

var windowEnd = time.Date(2011, 1, 2, 0, 0, 0, 0, time.UTC)

// One call's alerts are one notification per model; each receiver's lists
// the alerts at its minimum severity.
func TestSinkNotifiesOncePerCall(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "warden.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sink{sinkServer(t, db)}.Findings([]alert.Finding{
		drifted("temp", alert.High, windowEnd),
		drifted("hum", alert.Critical, windowEnd),
		{Kind: alert.KindUsage, Severity: alert.High, Model: "bikes", Subject: "user_1", Time: windowEnd}, // recorded, not alerted
		{Kind: alert.KindDrift, Severity: alert.Low, Model: "churn", Subject: "tenure", Time: windowEnd},
		drifted("windspeed", alert.Medium, windowEnd),
	})
	want := map[string][][]string{
		"all":    {{"hum", "temp", "windspeed"}, {"tenure"}},
		"urgent": {{"hum"}},
	}
	if got := outbox(t, db); !equalOutbox(got, want) {
		t.Errorf("outbox %v, want %v", got, want)
	}
}

// A replay after a crash raises the same alerts, already stored: the sink
// enqueues them again, which adds what the crash kept from the outbox and
// nothing twice.
func TestSinkReplay(t *testing.T) {
	window := []alert.Finding{
		drifted("temp", alert.High, windowEnd),
		drifted("hum", alert.Critical, windowEnd),
		drifted("windspeed", alert.Medium, windowEnd),
	}
	for _, tc := range []struct {
		name   string
		before func(t *testing.T, db *sqlite.DB) // the first run, up to the crash
	}{
		{"crash after enqueueing", func(t *testing.T, db *sqlite.DB) { sink{sinkServer(t, db)}.Findings(window) }},
		{"crash between storing and enqueueing", func(t *testing.T, db *sqlite.DB) {
			m := alert.NewManager(alert.Policy{})
			for _, f := range window {
				a, _ := m.Process(f)
				if _, _, err := db.UpsertAlert(context.Background(), a); err != nil {
					t.Fatal(err)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlite.Open(filepath.Join(t.TempDir(), "warden.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tc.before(t, db)
			replayed := slices.Clone(window)
			slices.Reverse(replayed)
			sink{sinkServer(t, db)}.Findings(replayed)
			want := map[string][][]string{"all": {{"hum", "temp", "windspeed"}}, "urgent": {{"hum"}}}
			if got := outbox(t, db); !equalOutbox(got, want) {
				t.Errorf("outbox %v, want %v", got, want)
			}
			if alerts, err := db.Alerts(context.Background(), store.AlertFilter{}); err != nil || len(alerts) != 3 {
				t.Errorf("%d alerts stored (%v), want 3", len(alerts), err)
			}
		})
	}
}

// Two windows of different lengths may end at the same time. When the
// second grades a column higher, the manager alerts it again under the
// same ID, stored and notified with the first: it stays out of the second
// notification, which would otherwise get the first one's outbox key and
// be dropped with the other alerts in it.
func TestSinkSameAlertFromAnotherWindow(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "warden.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := sinkServer(t, db)
	sink{s}.Findings([]alert.Finding{drifted("temp", alert.High, windowEnd), drifted("hum", alert.Medium, windowEnd)})
	sink{s}.Findings([]alert.Finding{drifted("temp", alert.Critical, windowEnd), drifted("windspeed", alert.High, windowEnd)})
	want := map[string][][]string{"all": {{"temp", "hum"}, {"windspeed"}}}
	if got := outbox(t, db); !equalOutbox(got, want) {
		t.Errorf("outbox %v, want %v", got, want)
	}
}

func equalOutbox(a, b map[string][][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.EqualFunc(v, b[k], slices.Equal) {
			return false
		}
	}
	return true
}
