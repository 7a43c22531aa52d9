package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/server"
	"github.com/warden-ml/warden/simulate"
)

// A model with expect_every raises a feed finding once its events have
// stopped for longer by the server's clock, once per silence; a model
// without one never does.
func TestFeedCheck(t *testing.T) {
	var clock atomic.Int64
	set := func(at time.Time) { clock.Store(at.UnixNano()) }
	start := simulate.DefaultStart()
	set(start)
	cfg := config.Default()
	cfg.Storage.Dir = t.TempDir()
	cfg.Alerting.RepeatInterval = 10 * time.Minute
	s, err := server.New(cfg, server.Options{Now: func() time.Time { return time.Unix(0, clock.Load()).UTC() }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	defer func() { hs.Close(); s.Close() }()

	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"name":"` + model + `","expect_every":"10m"}`, http.StatusCreated, `"expect_every": "10m"`},
		{`{"name":"quiet"}`, http.StatusCreated, `"name": "quiet"`},
		{`{"name":"x","expect_every":"5s"}`, http.StatusBadRequest, "expect_every: must be 0 (off) or at least 1m, got 5s"},
		{`{"name":"x","expect_every":"soon"}`, http.StatusBadRequest, `expect_every \"soon\": want a duration like 10m`},
	} {
		if code, _, raw := call(t, "POST", hs.URL+"/v1/models", "application/json", []byte(tc.body)); code != tc.code || !strings.Contains(raw, tc.want) {
			t.Errorf("POST /v1/models %s: %d %s, want %d with %s", tc.body, code, raw, tc.code, tc.want)
		}
	}
	feedAlerts := func() []map[string]any {
		_, _, raw := call(t, "GET", hs.URL+"/v1/alerts?type=feed", "", nil)
		var out []map[string]any
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			t.Fatalf("alerts: %v: %s", err, raw)
		}
		return out
	}
	steps := []struct {
		at     time.Duration
		post   bool // events come
		alerts int  // feed alerts after the check
	}{
		{0, false, 0},                 // first sight
		{time.Minute, true, 0},        //
		{5 * time.Minute, false, 0},   // 4 minutes silent
		{12 * time.Minute, false, 1},  // 11 minutes: reported
		{30 * time.Minute, false, 1},  // the same silence
		{31 * time.Minute, true, 1},   // events again
		{45 * time.Minute, false, 1},  // 14 minutes, a new silence...
		{50 * time.Minute, false, 2},  // ...reported when the check runs
		{55 * time.Minute, false, 2},  //
		{60 * time.Minute, false, 2},  //
		{65 * time.Minute, false, 2},  //
		{70 * time.Minute, false, 2},  //
		{100 * time.Minute, false, 2}, // still the same silence
	}
	for _, st := range steps {
		set(start.Add(st.at))
		if st.post {
			body := `{"model":"` + model + `","user":"u","features":{}}`
			if code, _, raw := call(t, "POST", hs.URL+"/v1/events", "application/x-ndjson", []byte(body)); code != http.StatusAccepted {
				t.Fatalf("events: %d %s", code, raw)
			}
		}
		if st.at != 45*time.Minute {
			s.CheckFeeds()
		}
		if got := feedAlerts(); len(got) != st.alerts {
			t.Fatalf("at %v: %d feed alerts, want %d: %v", st.at, len(got), st.alerts, got)
		}
	}
	got := feedAlerts()
	if got[0]["subject"] != model || got[0]["severity"] != "high" ||
		got[0]["summary"] != "No events for fraud_detection_v2 since 2026-01-01T00:31:00Z (19m), longer than its expect_every (10m)" {
		t.Errorf("newest feed alert: %v", got[0])
	}
	for _, a := range got {
		if a["model"] != model {
			t.Errorf("feed alert about %v", a["model"])
		}
	}
}
