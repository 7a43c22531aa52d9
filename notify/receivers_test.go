package notify_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/file"
	"github.com/warden-ml/warden/notify/webhook"
)

// The receivers behind one dispatcher on the SQLite store, told of one
// window's alerts: the webhook answers 503 with Retry-After once, then
// accepts the critical share; the file gets one line with every alert at
// once; every request the endpoint saw verifies.
func TestReceiversThroughDispatcher(t *testing.T) {
	const secret = "whsec_test"
	type request struct {
		ts, sig, body string
	}
	var (
		mu       sync.Mutex
		requests []request
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		requests = append(requests, request{r.Header.Get(webhook.TimestampHeader), r.Header.Get(webhook.SignatureHeader), string(body)})
		first := len(requests) == 1
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "30")
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	clk := newClock()
	hook, err := webhook.New(webhook.Config{URL: srv.URL + "/hook", Secret: []byte(secret)}, webhook.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out", "alerts.jsonl")
	archive, err := file.New(file.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer archive.Close()

	out, addAlert := sqliteOutbox.open(t)
	rec := newRecorder(out)
	d := notify.NewDispatcher(rec, []notify.Receiver{
		{Name: "hook", MinSeverity: alert.High, Sender: hook},
		{Name: "archive", Sender: archive},
	}, notify.DispatcherOptions{Now: clk.Now, Backoff: linearBackoff})
	run(t, d)
	alerts := evaluation("fraud_detection_v2", alert.Medium, alert.Critical, alert.High)
	enqueue(t, d, addAlert, alerts...)
	n := notify.Group(alerts)[0]
	fileLine := line(t, n)
	n.Alerts = n.Alerts[:2] // the hook takes high and critical
	hookBody := line(t, n)

	byReceiver := map[string]outcome{}
	for range 2 {
		o := rec.next(t)
		byReceiver[o.Receiver] = o
	}
	if o := byReceiver["archive"]; o.Kind != "delivered" {
		t.Errorf("archive: %+v, want delivered", o)
	}
	if o := byReceiver["hook"]; o.Kind != "retry" || !o.Next.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("hook: %+v, want retry after the 30s the endpoint asked for", o)
	}
	clk.Set(t0.Add(30 * time.Second))
	d.Kick()
	if o := rec.next(t); o.Receiver != "hook" || o.Kind != "delivered" {
		t.Fatalf("outcome %+v, want the hook delivered", o)
	}

	mu.Lock()
	defer mu.Unlock()
	for i, r := range requests {
		if r.body != hookBody {
			t.Errorf("request %d body %q, want %q", i, r.body, hookBody)
		}
		if wantTS := strconv.FormatInt(t0.Add(time.Duration(i)*30*time.Second).Unix(), 10); r.ts != wantTS {
			t.Errorf("request %d timestamp %s, want %s", i, r.ts, wantTS)
		}
		if err := webhook.Verify(secret, r.ts, r.body, r.sig, t0.Add(30*time.Second), time.Minute); err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	if len(requests) != 2 {
		t.Errorf("%d requests, want 2", len(requests))
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		lines = append(lines, sc.Text()+"\n")
	}
	if len(lines) != 1 || lines[0] != fileLine {
		t.Errorf("file holds %q, want one line %q", lines, fileLine)
	}
}
