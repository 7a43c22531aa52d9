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

// The three receivers behind one dispatcher on the SQLite store: the
// webhook answers 503 with Retry-After once, then accepts; the file gets
// its line at once; every request the endpoint saw verifies.
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
	a := testAlert(3, alert.Critical)
	enqueue(t, d, addAlert, a)
	want, _ := notify.JSONLine(a)

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
		if r.body != string(want) {
			t.Errorf("request %d body %q, want %q", i, r.body, want)
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
	if len(lines) != 1 || lines[0] != string(want) {
		t.Errorf("file holds %q, want one line %q", lines, want)
	}
}
