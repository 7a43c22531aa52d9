package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/notify/webhook"
	"github.com/warden-ml/warden/server"
	"github.com/warden-ml/warden/simulate"
	"github.com/warden-ml/warden/store/sqlite"
)

// options fix the clock, so that retention never takes the simulated
// day's alerts away.
var options = server.Options{Now: func() time.Time { return time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC) }}

// notification is a receiver's payload as the README documents it.
type notification struct {
	ID       string        `json:"id"`
	Model    string        `json:"model"`
	Time     time.Time     `json:"time"`
	Severity string        `json:"severity"`
	Count    int           `json:"count"`
	Summary  string        `json:"summary"`
	Alerts   []alert.Alert `json:"alerts"`
}

// oneWindow registers the simulated model with a drift window that is
// evaluated once, after 1000 events, and no outlier screening, and returns
// 1000 events in which several columns drift.
func oneWindow(t *testing.T, base string) []byte {
	t.Helper()
	body := `{"name":"` + model + `","drift":{"window":1000,"every":1000,"min_events":1000},"outliers":{"enabled":false}}`
	if code, _, raw := call(t, "POST", base+"/v1/models", "application/json", []byte(body)); code != http.StatusCreated {
		t.Fatalf("POST /v1/models: %d %s", code, raw)
	}
	var ref strings.Builder
	if err := simulate.WriteCSV(&ref, simulate.Reference(1, 5000)); err != nil {
		t.Fatal(err)
	}
	if code, _, raw := call(t, "PUT", base+"/v1/models/"+model+"/reference", "text/csv", []byte(ref.String())); code != http.StatusOK {
		t.Fatalf("PUT reference: %d %s", code, raw)
	}
	return eventsBody(t, 1000,
		simulate.Drift{Feature: simulate.ColTransactionAmount, Scale: 3},
		simulate.Drift{Feature: simulate.ColDistanceFromHomeKm, Scale: 4},
		simulate.Drift{Feature: simulate.ColAccountAgeDays, Scale: 0.2},
		simulate.Drift{Feature: simulate.ColNumTxLast24h, Scale: 3},
	)
}

// waitProcessed waits until the drift window over events 0 to last has
// been evaluated.
func waitProcessed(t *testing.T, base string, last int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, doc, _ := call(t, "GET", base+"/v1/models/"+model+"/drift?limit=1", "", nil)
		if cur, ok := doc["current"].(map[string]any); ok && cur["last_seq"].(float64) == float64(last) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("events not processed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listAlerts returns what GET /v1/alerts lists for the model.
func listAlerts(t *testing.T, base string) []alert.Alert {
	t.Helper()
	code, _, raw := call(t, "GET", base+"/v1/alerts?model="+model, "", nil)
	var alerts []alert.Alert
	if err := json.Unmarshal([]byte(raw), &alerts); code != http.StatusOK || err != nil {
		t.Fatalf("GET /v1/alerts: %d %v %s", code, err, raw)
	}
	return alerts
}

// serve runs s until the test stops it with the function it returns.
func serve(t *testing.T, s *server.Server) (base string, stop func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
			s.Close()
		})
	}
	t.Cleanup(stop)
	return "http://" + l.Addr().String(), stop
}

// readLines waits until path holds at least one line and returns its
// lines.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		raw, _ := os.ReadFile(path)
		if len(raw) > 0 {
			return strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing in %s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkNotification checks that payload is one notification of exactly
// the alerts listed, each as the API lists it, most severe first, all at
// the notification's time, since they come from one drift window.
func checkNotification(t *testing.T, what, payload string, listed []alert.Alert) notification {
	t.Helper()
	var n notification
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		t.Fatalf("%s: %v: %s", what, err, payload)
	}
	if n.Count != len(n.Alerts) || n.Count != len(listed) {
		t.Fatalf("%s: count %d with %d alerts, want the %d alerts listed: %s", what, n.Count, len(n.Alerts), len(listed), payload)
	}
	byID := map[string]alert.Alert{}
	for _, a := range listed {
		byID[a.ID] = a
	}
	for i, a := range n.Alerts {
		l, ok := byID[a.ID]
		if !ok || a.Subject != l.Subject || a.Severity != l.Severity || a.Fingerprint != l.Fingerprint || !a.Time.Equal(l.Time) {
			t.Errorf("%s: alert %+v is not as listed (%+v)", what, a, l)
		}
		delete(byID, a.ID)
		if !a.Time.Equal(n.Time) || a.Model != n.Model {
			t.Errorf("%s: alert %s at %s for %s in a notification for %s at %s", what, a.ID, a.Time, a.Model, n.Model, n.Time)
		}
		if i > 0 && a.Severity > n.Alerts[i-1].Severity {
			t.Errorf("%s: alerts not most severe first", what)
		}
	}
	if len(n.Alerts) > 0 && (n.ID != n.Alerts[0].ID || n.Severity != n.Alerts[0].Severity.String()) {
		t.Errorf("%s: id %s, severity %s; first alert %s, %s", what, n.ID, n.Severity, n.Alerts[0].ID, n.Alerts[0].Severity)
	}
	if n.Model != model || !strings.HasPrefix(n.Summary, strconv.Itoa(n.Count)+" alerts for "+model) {
		t.Errorf("%s: model %q, summary %q", what, n.Model, n.Summary)
	}
	return n
}

// checkListed checks that the API lists the window's alerts one by one:
// one per problem (fingerprint), several drifted columns among them.
func checkListed(t *testing.T, listed []alert.Alert) {
	t.Helper()
	fingerprints, drifted := map[string]bool{}, map[string]bool{}
	for _, a := range listed {
		fingerprints[a.Fingerprint] = true
		if a.Type == alert.KindDrift {
			drifted[a.Subject] = true
		}
	}
	if len(drifted) < 3 || len(fingerprints) != len(listed) {
		t.Fatalf("the API lists %d alerts with %d fingerprints and %d drifted columns, want one alert per fingerprint and 3 or more drifted columns",
			len(listed), len(fingerprints), len(drifted))
	}
}

// A window in which several columns drifted reaches each receiver as one
// notification listing its alerts, the webhook's only those at its
// minimum severity, while the API lists every alert on its own.
func TestWindowIsOneNotification(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	var hooks []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify("s3cret", r.Header.Get(webhook.TimestampHeader), string(body), r.Header.Get(webhook.SignatureHeader), time.Now(), time.Minute); err != nil {
			t.Errorf("webhook signature: %v", err)
		}
		mu.Lock()
		hooks = append(hooks, string(body))
		mu.Unlock()
	}))
	defer hook.Close()
	alertsFile := filepath.Join(dir, "alerts.jsonl")
	cfg := config.Default()
	cfg.Storage.Dir = filepath.Join(dir, "data")
	cfg.Pipeline.Shards = 2
	cfg.Alerting.Receivers = []config.Receiver{
		{Name: "log", Type: config.ReceiverFile, Path: alertsFile},
		{Name: "soc", Type: config.ReceiverWebhook, URL: hook.URL, Secret: "s3cret", MinSeverity: alert.Critical, Timeout: 5 * time.Second},
	}
	s, err := server.New(cfg, options)
	if err != nil {
		t.Fatal(err)
	}
	base, stop := serve(t, s)
	events := oneWindow(t, base)
	if code, _, raw := call(t, "POST", base+"/v1/events", "application/x-ndjson", events); code != http.StatusAccepted {
		t.Fatalf("events: %d %s", code, raw)
	}
	waitProcessed(t, base, 999)
	readLines(t, alertsFile)
	listed := listAlerts(t, base)
	var critical []alert.Alert
	for _, a := range listed {
		if a.Severity == alert.Critical {
			critical = append(critical, a)
		}
	}
	if len(critical) > 0 {
		deadline := time.Now().Add(15 * time.Second)
		for {
			mu.Lock()
			n := len(hooks)
			mu.Unlock()
			if n > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	stop() // what was due is delivered or stays in the outbox

	checkListed(t, listed)
	lines := readLines(t, alertsFile)
	if len(lines) != 1 {
		t.Fatalf("the file receiver got %d lines, want one notification of the %d alerts: %q", len(lines), len(listed), lines)
	}
	n := checkNotification(t, "file", lines[0], listed)
	mu.Lock()
	defer mu.Unlock()
	switch {
	case len(critical) == 0 && len(hooks) != 0:
		t.Errorf("the webhook (critical only) got %q of a window without critical alerts", hooks)
	case len(critical) > 0 && len(hooks) != 1:
		t.Errorf("the webhook got %d requests, want one notification of the %d critical alerts", len(hooks), len(critical))
	case len(critical) > 0:
		if h := checkNotification(t, "webhook", hooks[0], critical); h.ID != n.ID {
			t.Errorf("the webhook's notification is %s, the file's %s", h.ID, n.ID)
		}
	}
}

// After a crash the server replays its event log and raises the same
// alerts again, already stored. Their notification is enqueued all the
// same and delivered once: whether the crash came before it was enqueued
// (the first run had no receiver, so nothing was) or after (the first run
// enqueued it and never delivered it).
func TestReplayNotifiesOnce(t *testing.T) {
	for _, enqueuedBefore := range []bool{false, true} {
		name := "crash before enqueueing"
		if enqueuedBefore {
			name = "crash after enqueueing"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			alertsFile := filepath.Join(dir, "alerts.jsonl")
			cfg := config.Default()
			cfg.Storage.Dir = filepath.Join(dir, "data")
			cfg.Pipeline.Shards = 2
			receivers := []config.Receiver{{Name: "log", Type: config.ReceiverFile, Path: alertsFile}}
			if enqueuedBefore {
				cfg.Alerting.Receivers = receivers
			}
			// The first run stores the alerts; its dispatcher never runs,
			// and Close, which lets the pipeline finish what it was given,
			// stops without a checkpoint, as a kill would.
			first, err := server.New(cfg, options)
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(first.Handler())
			events := oneWindow(t, hs.URL)
			if code, _, raw := call(t, "POST", hs.URL+"/v1/events", "application/x-ndjson", events); code != http.StatusAccepted {
				t.Fatalf("events: %d %s", code, raw)
			}
			waitProcessed(t, hs.URL, 999)
			hs.Close()
			first.Close()
			if _, err := os.Stat(alertsFile); err == nil {
				t.Fatal("the first run delivered, so the test cannot tell a replay's delivery")
			}

			cfg.Alerting.Receivers = receivers
			again, err := server.New(cfg, options)
			if err != nil {
				t.Fatal(err)
			}
			if n := again.Replayed(); n != 1000 {
				t.Errorf("replayed %d events, want 1000", n)
			}
			base, stop := serve(t, again)
			readLines(t, alertsFile)
			listed := listAlerts(t, base)
			stop() // Close lets the replay finish: it has enqueued what it would
			checkListed(t, listed)
			lines := readLines(t, alertsFile)
			if len(lines) != 1 {
				t.Fatalf("the file receiver got %d lines, want one notification: %q", len(lines), lines)
			}
			checkNotification(t, "file", lines[0], listed)
			db, err := sqlite.Open(filepath.Join(cfg.Storage.Dir, "warden.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if due, err := db.Due(context.Background(), time.Now().Add(24*time.Hour), 0); err != nil || len(due) != 0 {
				t.Errorf("the outbox still holds %+v (%v): the replay enqueued the notification again", due, err)
			}
		})
	}
}
