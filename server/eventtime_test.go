package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/server"
	"github.com/warden-ml/warden/simulate"
)

// lockedBuffer collects a server's log.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serverAt starts a server whose clock reads now, logging into the buffer.
func serverAt(t *testing.T, now time.Time) (*httptest.Server, *lockedBuffer) {
	t.Helper()
	cfg := config.Default()
	cfg.Storage.Dir = t.TempDir()
	cfg.Pipeline.Shards = 2
	logs := &lockedBuffer{}
	s, err := server.New(cfg, server.Options{Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return hs, logs
}

func timedEvent(user, at string) string {
	if at == "" {
		return fmt.Sprintf(`{"model":%q,"user":%q,"features":{"transaction_amount":12.5}}`, model, user)
	}
	return fmt.Sprintf(`{"model":%q,"user":%q,"time":%s,"features":{"transaction_amount":12.5}}`, model, user, at)
}

// An event time is refused, as an item of its batch and with the reason,
// when it is more than pipeline.max_future ahead of the server's clock or
// outside the years the store keeps; everything else is accepted. The
// same holds for POST /v1/screen, and every refusal is counted.
func TestEventTimeLimits(t *testing.T) {
	now := simulate.DefaultStart().Add(24 * time.Hour)
	q := func(t time.Time) string { return `"` + t.Format(time.RFC3339Nano) + `"` }
	const future, outside = "ahead of the server's clock", "outside the years 1678 to 2261 that Warden keeps"
	tests := []struct {
		name   string
		now    time.Time
		time   string // JSON; "" for none
		reason string // "" when accepted
	}{
		{"no time", now, "", ""},
		{"now", now, q(now), ""},
		{"max_future ahead", now, q(now.Add(5 * time.Minute)), ""},
		{"just beyond max_future", now, q(now.Add(5*time.Minute + time.Millisecond)), future},
		{"a year ahead", now, q(now.AddDate(1, 0, 0)), future},
		{"2300", now, `"2300-01-01T00:00:00Z"`, future},
		{"9999 in Unix seconds", now, "253402300799", future},
		{"a day ago", now, q(now.Add(-24 * time.Hour)), ""},
		{"the first time kept", now, `"1678-01-01T00:00:00Z"`, ""},
		{"just before it", now, `"1677-12-31T23:59:59.999999999Z"`, outside},
		{"year 1000", now, `"1000-01-01T00:00:00Z"`, outside},
		{"1600 in Unix seconds", now, "-11676096000", outside},
		// A clock at the end of the range: its max_future reaches past it.
		{"the last time kept", time.Date(2261, 12, 31, 23, 58, 0, 0, time.UTC), `"2261-12-31T23:59:59.999999999Z"`, ""},
		{"just after it", time.Date(2261, 12, 31, 23, 58, 0, 0, time.UTC), `"2262-01-01T00:00:00Z"`, outside},
	}
	servers := map[time.Time]string{}
	for _, tc := range tests {
		if _, ok := servers[tc.now]; !ok {
			hs, _ := serverAt(t, tc.now)
			register(t, hs.URL, 2000)
			servers[tc.now] = hs.URL
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := servers[tc.now]
			body := timedEvent("u1", `"`+now.Format(time.RFC3339)+`"`) + "\n" + timedEvent("u2", tc.time)
			if tc.now != now {
				body = timedEvent("u1", "") + "\n" + timedEvent("u2", tc.time)
			}
			code, doc, raw := call(t, "POST", base+"/v1/events", "application/x-ndjson", []byte(body))
			if code != http.StatusAccepted {
				t.Fatalf("events: %d %s", code, raw)
			}
			accepted, _ := doc["accepted"].(float64)
			switch {
			case tc.reason == "" && (accepted != 2 || strings.Contains(raw, "reason")):
				t.Errorf("refused: %s", raw)
			case tc.reason != "" && (accepted != 1 || !strings.Contains(raw, `"index": 1`) || !strings.Contains(raw, tc.reason)):
				t.Errorf("want item 1 refused for being %q: %s", tc.reason, raw)
			}
			code, _, raw = call(t, "POST", base+"/v1/screen", "application/json", []byte(timedEvent("u3", tc.time)))
			switch {
			case tc.reason == "" && code != http.StatusOK:
				t.Errorf("screen: %d %s", code, raw)
			case tc.reason != "" && (code != http.StatusBadRequest || !strings.Contains(raw, tc.reason)):
				t.Errorf("screen: %d %s, want 400 for being %q", code, raw, tc.reason)
			}
		})
	}
	_, _, metrics := call(t, "GET", servers[now]+"/metrics", "", nil)
	for _, want := range []string{
		`warden_events_time_rejected_total{model="fraud_detection_v2",reason="future"} 8`,
		`warden_events_time_rejected_total{model="fraud_detection_v2",reason="out_of_range"} 6`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// The store keeps every time the API accepts: windows of events at the
// first accepted instant are stored like any others.
func TestOldestAcceptedTimesAreStored(t *testing.T) {
	hs, logs := serverAt(t, simulate.DefaultStart())
	register(t, hs.URL, 2000)
	first := time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	var body strings.Builder
	for i := range 60 {
		at := first.Add(time.Duration(i) * 10 * time.Second)
		body.WriteString(timedEvent(fmt.Sprintf("u%d", i%7), `"`+at.Format(time.RFC3339)+`"`) + "\n")
	}
	if code, _, raw := call(t, "POST", hs.URL+"/v1/events", "application/x-ndjson", []byte(body.String())); code != http.StatusAccepted {
		t.Fatalf("events: %d %s", code, raw)
	}
	var got struct {
		Summaries []struct {
			Start  time.Time `json:"start"`
			Inputs int       `json:"inputs"`
		} `json:"summaries"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, _, raw := call(t, "GET", hs.URL+"/v1/models/"+model+"/outliers", "", nil)
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Summaries) >= 8 || time.Now().After(deadline) {
			break
		}
	}
	// Ten minutes of events; the clock trails the newest by two events
	// and the lateness by a minute, so the first eight minutes close.
	if len(got.Summaries) != 8 || !got.Summaries[len(got.Summaries)-1].Start.Equal(first) {
		t.Errorf("summaries %+v, want eight from %s", got.Summaries, first)
	}
	if l := logs.String(); l != "" {
		t.Errorf("errors logged: %s", l)
	}
}
