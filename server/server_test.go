package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/notify/webhook"
	"github.com/warden-ml/warden/outlier"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/server"
	"github.com/warden-ml/warden/simulate"
	"github.com/warden-ml/warden/store/sqlite"
)

const model = simulate.ModelName

func newServer(t testing.TB, dir string, change func(*config.Config)) (*server.Server, *httptest.Server) {
	t.Helper()
	cfg := config.Default()
	cfg.Storage.Dir = dir
	cfg.Pipeline.Shards = 2
	cfg.Pipeline.QueueSize = 50000
	if change != nil {
		change(cfg)
	}
	s, err := server.New(cfg, server.Options{Now: func() time.Time { return time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC) },
		Sections: []report.Section{drift.ReportSection(), outlier.ReportSection()}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return s, hs
}

func call(t testing.TB, method, url, contentType string, body []byte) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var doc map[string]any
	json.Unmarshal(raw, &doc)
	return resp.StatusCode, doc, string(raw)
}

// register creates the simulator's model with a reference of n rows.
func register(t testing.TB, base string, n int) {
	t.Helper()
	if code, _, raw := call(t, "POST", base+"/v1/models", "application/json", []byte(`{"name":"`+model+`"}`)); code != http.StatusCreated {
		t.Fatalf("POST /v1/models: %d %s", code, raw)
	}
	var ref bytes.Buffer
	if err := simulate.WriteCSV(&ref, simulate.Reference(1, n)); err != nil {
		t.Fatal(err)
	}
	if code, _, raw := call(t, "PUT", base+"/v1/models/"+model+"/reference", "text/csv", ref.Bytes()); code != http.StatusOK {
		t.Fatalf("PUT reference: %d %s", code, raw)
	}
}

func eventsBody(t *testing.T, n int, drifts ...simulate.Drift) []byte {
	t.Helper()
	gen, err := simulate.NewGenerator(simulate.Options{Seed: 7, Rate: float64(n) / 86400, Drifts: drifts})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := simulate.WriteEvents(&buf, gen.Take(n)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Bad input gets a 4xx with a message; good items of a batch are kept; the
// server stays up.
func TestIngestBadInput(t *testing.T) {
	_, hs := newServer(t, t.TempDir(), func(c *config.Config) { c.Server.MaxBodyBytes = 1 << 20 })
	register(t, hs.URL, 2000)
	good := `{"model":"` + model + `","time":"2026-01-01T00:00:00Z","features":{"transaction_amount":12.5}}`
	deep := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
	tests := []struct {
		name     string
		body     string
		code     int
		accepted int
		reason   string // substring of the response
	}{
		{"malformed JSON", `{"model": "x", `, 400, 0, "error"},
		{"not JSON at all", "hello", 400, 0, "error"},
		{"wrong type kept apart", good + "\n" + `{"model":"` + model + `","features":{"transaction_amount":[1,2]}}` + "\n" + good, 202, 2, "features.transaction_amount"},
		{"NaN", good + "\n" + `{"model":"` + model + `","features":{"transaction_amount":NaN}}`, 202, 1, `"index": 1`},
		{"number out of range", `{"model":"` + model + `","features":{"x":1e999}}` + "\n" + good, 202, 1, "range"},
		{"unknown model", `{"model":"nope","features":{}}`, 400, 0, `unknown model \"nope\"`},
		{"unknown model among good", good + "\n" + `{"model":"nope"}`, 202, 1, `"index": 1`},
		{"deep nesting", good + "\n" + `{"model":"` + model + `","features":` + deep + `}`, 202, 1, `"index": 1`},
		{"missing model", `{"features":{"x":1}}`, 400, 0, "model"},
		{"bad time", `{"model":"` + model + `","time":"yesterday"}`, 400, 0, "time"},
		{"too large", good + "\n" + strings.Repeat(" ", 2<<20), 413, 0, "larger than"},
		{"empty batch", "", 400, 0, `"reason": "the body holds no events"`},
		{"empty array", "[]", 400, 0, `"reason": "the body holds no events"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, doc, raw := call(t, "POST", hs.URL+"/v1/events", "application/x-ndjson", []byte(tc.body))
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, raw)
			}
			if !strings.Contains(raw, tc.reason) {
				t.Errorf("response lacks %q: %s", tc.reason, raw)
			}
			if code == 202 {
				if got := int(doc["accepted"].(float64)); got != tc.accepted {
					t.Errorf("accepted %d, want %d: %s", got, tc.accepted, raw)
				}
			}
		})
	}
	// A 100 MB body is refused without reading it all into memory first.
	big := io.MultiReader(strings.NewReader(good+"\n"), io.LimitReader(neverEnding('x'), 100<<20))
	resp, err := http.Post(hs.URL+"/v1/events", "application/x-ndjson", big)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge && resp.StatusCode != http.StatusBadRequest {
		t.Errorf("100 MB body: status %d", resp.StatusCode)
	}
	if code, _, _ := call(t, "GET", hs.URL+"/healthz", "", nil); code != 200 {
		t.Errorf("server down after bad input: %d", code)
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestModelsAlertsAckSilences(t *testing.T) {
	_, hs := newServer(t, t.TempDir(), nil)
	if code, _, _ := call(t, "GET", hs.URL+"/v1/models/"+model, "", nil); code != 404 {
		t.Errorf("unknown model: %d", code)
	}
	if code, _, raw := call(t, "POST", hs.URL+"/v1/models", "application/json", []byte(`{"name":"bad name!"}`)); code != 400 {
		t.Errorf("bad name: %d %s", code, raw)
	}
	if code, _, raw := call(t, "POST", hs.URL+"/v1/models", "application/json", []byte(`{"name":"m","drift":{"every":5000}}`)); code != 400 || !strings.Contains(raw, "every") {
		t.Errorf("every > window: %d %s", code, raw)
	}
	if code, _, raw := call(t, "PUT", hs.URL+"/v1/models/"+model+"/reference", "text/csv", []byte("a\n1\n")); code != 404 {
		t.Errorf("reference of unknown model: %d %s", code, raw)
	}
	register(t, hs.URL, 5000)
	if code, _, raw := call(t, "PUT", hs.URL+"/v1/models/"+model+"/reference", "text/csv", []byte("a,b\n1,2,3\n")); code != 400 || !strings.Contains(raw, "line 2") {
		t.Errorf("ragged reference: %d %s", code, raw)
	}
	body := eventsBody(t, 6000, simulate.Drift{Feature: "transaction_amount", From: 12 * time.Hour, Scale: 3})
	if code, doc, raw := call(t, "POST", hs.URL+"/v1/events", "application/x-ndjson", body); code != 202 || doc["accepted"].(float64) != 6000 {
		t.Fatalf("events: %d %s", code, raw)
	}
	var alerts []map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, _, raw := call(t, "GET", hs.URL+"/v1/alerts?model="+model+"&type=drift&severity=critical", "", nil)
		json.Unmarshal([]byte(raw), &alerts)
		if len(alerts) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(alerts) == 0 {
		t.Fatal("no critical drift alert")
	}
	a := alerts[0]
	if a["subject"] != "transaction_amount" && a["subject"] != "score" {
		t.Errorf("critical alert on %v", a["subject"])
	}
	id := a["id"].(string)
	if code, doc, raw := call(t, "POST", hs.URL+"/v1/alerts/"+id+"/ack", "application/json", []byte(`{"by":"oncall"}`)); code != 200 || doc["state"] != "acknowledged" || doc["acked_by"] != "oncall" {
		t.Errorf("ack: %d %s", code, raw)
	}
	if code, _, _ := call(t, "POST", hs.URL+"/v1/alerts/nope/ack", "application/json", nil); code != 404 {
		t.Errorf("ack unknown: %d", code)
	}
	_, _, raw := call(t, "GET", hs.URL+"/v1/alerts?state=acknowledged", "", nil)
	if !strings.Contains(raw, id) {
		t.Errorf("acknowledged filter lacks %s", id)
	}
	for _, bad := range []string{"severity=urgent", "since=yesterday", "state=open", "limit=0"} {
		if code, _, _ := call(t, "GET", hs.URL+"/v1/alerts?"+bad, "", nil); code != 400 {
			t.Errorf("alerts?%s: %d", bad, code)
		}
	}
	code, doc, raw := call(t, "GET", hs.URL+"/v1/models/"+model+"/drift?limit=3", "", nil)
	if code != 200 || len(doc["windows"].([]any)) != 3 || doc["current"] == nil {
		t.Errorf("drift: %d %s", code, raw[:min(len(raw), 300)])
	}
	sil := fmt.Sprintf(`{"matchers":{"model":%q},"starts_at":"2026-01-01T00:00:00Z","ends_at":"2026-01-03T00:00:00Z","created_by":"oncall"}`, model)
	if code, _, raw := call(t, "POST", hs.URL+"/v1/silences", "application/json", []byte(sil)); code != 201 {
		t.Errorf("silence: %d %s", code, raw)
	}
	if code, _, raw := call(t, "POST", hs.URL+"/v1/silences", "application/json", []byte(`{"matchers":{"colour":"red"},"ends_at":"2026-01-03T00:00:00Z"}`)); code != 400 {
		t.Errorf("silence with a bad matcher: %d %s", code, raw)
	}
	code, _, raw = call(t, "GET", hs.URL+"/", "", nil)
	for _, want := range []string{"ML SECURITY MONITORING REPORT", "DRIFT DETECTION", "Feature &#39;transaction_amount&#39; drift detected", "RECOMMENDATIONS", "Newest alerts", model, "<td>5,000</td>"} {
		if code != 200 || !strings.Contains(raw, want) {
			t.Errorf("dashboard (%d) lacks %q", code, want)
		}
	}
	// Counts are written as people read them: 5,981, never 5981.
	if m := regexp.MustCompile(`events monitored: [0-9,]+`).FindString(raw); !regexp.MustCompile(`: [1-9][0-9]{0,2}(,[0-9]{3})+$`).MatchString(m) {
		t.Errorf("dashboard says %q: want thousands separators", m)
	}
	if code, _, _ := call(t, "GET", hs.URL+"/nothing-here", "", nil); code != 404 {
		t.Errorf("unknown path: %d", code)
	}
	code, _, raw = call(t, "GET", hs.URL+"/metrics", "", nil)
	if code != 200 || !strings.Contains(raw, `warden_events_received_total{model="fraud_detection_v2"} 6000`) || !strings.Contains(raw, "warden_queue_depth") || !strings.Contains(raw, `warden_detector_seconds_count{detector="drift"}`) {
		t.Errorf("metrics: %d", code)
	}
}

// Retention deletes windows and alerts older than configured.
func TestRetention(t *testing.T) {
	s, hs := newServer(t, t.TempDir(), func(c *config.Config) {
		c.Storage.Retention.Windows = time.Hour
		c.Storage.Retention.Alerts = time.Hour
	})
	register(t, hs.URL, 5000)
	body := eventsBody(t, 3000, simulate.Drift{Feature: "transaction_amount", From: 12 * time.Hour, Scale: 3})
	if code, _, raw := call(t, "POST", hs.URL+"/v1/events", "application/x-ndjson", body); code != 202 {
		t.Fatalf("events: %d %s", code, raw)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, doc, _ := call(t, "GET", hs.URL+"/v1/models/"+model+"/drift?limit=1", "", nil)
		if cur, ok := doc["current"].(map[string]any); ok && cur["last_seq"].(float64) == 2999 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("events not processed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Retention counts back from the newest event time the store has seen
	// (the server's clock, 2026-01-02T00:00Z, is later): what ended more
	// than an hour before the newest window goes, the last hour stays.
	_, doc, _ := call(t, "GET", hs.URL+"/v1/models/"+model+"/drift?limit=1", "", nil)
	newest, _ := time.Parse(time.RFC3339Nano, doc["current"].(map[string]any)["end"].(string))
	stats, err := s.Prune(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Windows < 25 || stats.Alerts == 0 {
		t.Errorf("pruned %+v", stats)
	}
	cutoff := newest.Add(-time.Hour)
	_, _, raw := call(t, "GET", hs.URL+"/v1/alerts", "", nil)
	var left []struct{ Time time.Time }
	json.Unmarshal([]byte(raw), &left)
	for _, a := range left {
		if a.Time.Before(cutoff) {
			t.Errorf("alert of %s survived retention", a.Time)
		}
	}
	_, doc, _ = call(t, "GET", hs.URL+"/v1/models/"+model+"/drift?limit=100", "", nil)
	for _, w := range doc["windows"].([]any) {
		end, _ := time.Parse(time.RFC3339Nano, w.(map[string]any)["end"].(string))
		if end.Before(cutoff) {
			t.Errorf("window ending %s survived retention", end)
		}
	}
}

// Alerts reach the configured receivers through the outbox: a JSON-lines
// file and a signed webhook.
func TestReceivers(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	var hooks [][]byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify("s3cret", r.Header.Get("X-Warden-Timestamp"), string(body), r.Header.Get("X-Warden-Signature"), time.Now(), time.Minute); err != nil {
			t.Errorf("webhook signature: %v", err)
		}
		mu.Lock()
		hooks = append(hooks, body)
		mu.Unlock()
	}))
	defer hook.Close()
	alertsFile := filepath.Join(dir, "alerts.jsonl")
	cfg := config.Default()
	cfg.Storage.Dir = filepath.Join(dir, "data")
	cfg.Pipeline.Shards = 2
	cfg.Alerting.Receivers = []config.Receiver{
		{Name: "log", Type: config.ReceiverFile, Path: alertsFile, MinSeverity: alert.Low},
		{Name: "soc", Type: config.ReceiverWebhook, URL: hook.URL, Secret: "s3cret", MinSeverity: alert.Critical, Timeout: 5 * time.Second},
	}
	s, err := server.New(cfg, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	base := "http://" + l.Addr().String()
	register(t, base, 5000)
	body := eventsBody(t, 6000, simulate.Drift{Feature: "transaction_amount", From: 12 * time.Hour, Scale: 3})
	if code, _, raw := call(t, "POST", base+"/v1/events", "application/x-ndjson", body); code != 202 {
		t.Fatalf("events: %d %s", code, raw)
	}
	deadline := time.Now().Add(15 * time.Second)
	var lines []string
	for time.Now().Before(deadline) {
		raw, _ := os.ReadFile(alertsFile)
		lines = strings.Split(strings.TrimSpace(string(raw)), "\n")
		mu.Lock()
		n := len(hooks)
		mu.Unlock()
		if len(raw) > 0 && n > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	// A graceful stop checkpoints: the next start replays nothing and
	// knows every alert.
	again, err := server.New(cfg, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := again.Replayed(); n != 0 {
		t.Errorf("restart after a graceful stop replayed %d events", n)
	}
	hs2 := httptest.NewServer(again.Handler())
	_, _, raw := call(t, "GET", hs2.URL+"/v1/models/"+model+"/drift?limit=1", "", nil)
	if !strings.Contains(raw, `"last_seq": 5999`) {
		t.Errorf("windows after restart: %s", raw[:min(300, len(raw))])
	}
	hs2.Close()
	again.Close()
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("no alert in the file receiver")
	}
	for _, line := range lines {
		var n notification
		if err := json.Unmarshal([]byte(line), &n); err != nil || n.ID == "" || len(n.Alerts) == 0 {
			t.Errorf("file line is not a notification: %q", line)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hooks) == 0 {
		t.Fatal("no alert reached the webhook")
	}
	for _, h := range hooks {
		var n notification
		if err := json.Unmarshal(h, &n); err != nil || len(n.Alerts) == 0 {
			t.Errorf("webhook got %s, not a notification", h)
		}
		for _, a := range n.Alerts {
			if a.Severity != alert.Critical {
				t.Errorf("webhook got a %s alert (only critical alerts are routed there)", a.Severity)
			}
		}
	}
}

// openStore opens the server's database beside it, as a second writer
// would, to set up rows the pipeline would take long to produce.
func openStore(t *testing.T, dir string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(dir, "warden.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// GET /v1/alerts pages with a cursor: a full page links to the next one,
// with the same filters, and following the links lists every alert once.
func TestAlertsPaging(t *testing.T) {
	dir := t.TempDir()
	_, hs := newServer(t, dir, nil)
	db := openStore(t, dir)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 7 {
		fp := alert.Fingerprint("m", alert.KindDrift, fmt.Sprint(i))
		at := t0.Add(time.Duration(i/2) * time.Minute) // two at a time: ties on time
		if _, _, err := db.UpsertAlert(context.Background(), alert.Alert{ID: alert.AlertID(fp, at), Fingerprint: fp, Time: at,
			Type: alert.KindDrift, Severity: alert.High, Model: "m", Subject: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	url := hs.URL + "/v1/alerts?model=m&limit=3"
	for pages := 0; url != ""; pages++ {
		if pages > 3 {
			t.Fatal("the links never end")
		}
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		var page []struct{ Subject string }
		json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		for _, a := range page {
			seen = append(seen, a.Subject)
		}
		url = ""
		if link := resp.Header.Get("Link"); link != "" {
			next, ok := strings.CutSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			if !ok || !strings.Contains(next, "model=m") {
				t.Fatalf("Link %q", link)
			}
			url = hs.URL + next
		}
	}
	var all []struct{ Subject string }
	resp, err := http.Get(hs.URL + "/v1/alerts?model=m")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&all)
	resp.Body.Close()
	var want []string
	for _, a := range all {
		want = append(want, a.Subject)
	}
	if got := strings.Join(seen, ","); got != strings.Join(want, ",") || len(want) != 7 || resp.Header.Get("Link") != "" {
		t.Errorf("paged through %s, want every alert once as one listing gives them: %s", got, want)
	}
	if code, _, raw := call(t, "GET", hs.URL+"/v1/alerts?cursor=nonsense!", "", nil); code != http.StatusBadRequest {
		t.Errorf("bad cursor: %d %s", code, raw)
	}
}

// A reference too small for the model's false-positive rate is accepted,
// and the answer says so, as GET /v1/models/{name} does afterwards.
func TestSmallReferenceWarns(t *testing.T) {
	_, hs := newServer(t, t.TempDir(), nil)
	if code, _, raw := call(t, "POST", hs.URL+"/v1/models", "application/json", []byte(`{"name":"`+model+`"}`)); code != http.StatusCreated {
		t.Fatalf("POST /v1/models: %d %s", code, raw)
	}
	var ref bytes.Buffer
	if err := simulate.WriteCSV(&ref, simulate.Reference(1, 800)); err != nil {
		t.Fatal(err)
	}
	const want = `outlier screening: the false-positive rate 0.5% `
	if code, _, raw := call(t, "PUT", hs.URL+"/v1/models/"+model+"/reference", "text/csv", ref.Bytes()); code != http.StatusOK || !strings.Contains(raw, want) {
		t.Errorf("PUT reference of 800 rows: %d %s", code, raw)
	}
	if code, _, raw := call(t, "GET", hs.URL+"/v1/models/"+model, "", nil); code != http.StatusOK || !strings.Contains(raw, want) {
		t.Errorf("GET model: %d %s", code, raw)
	}
}

// The dashboard shows ids from input with their invisible and
// bidirectional characters made visible, as the text report does.
func TestDashboardEscapesIDs(t *testing.T) {
	dir := t.TempDir()
	_, hs := newServer(t, dir, nil)
	db := openStore(t, dir)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	subject := "user\u202ekcatta"
	fp := alert.Fingerprint("m", alert.KindAdversarial, subject)
	if _, _, err := db.UpsertAlert(context.Background(), alert.Alert{ID: alert.AlertID(fp, at), Fingerprint: fp, Time: at,
		Type: alert.KindAdversarial, Severity: alert.High, Model: "m", Subject: subject, Summary: "probe from " + subject}); err != nil {
		t.Fatal(err)
	}
	_, _, page := call(t, "GET", hs.URL+"/", "", nil)
	if strings.Contains(page, "\u202e") || !strings.Contains(page, `user\u202ekcatta`) {
		t.Errorf("the dashboard shows the subject raw")
	}
}

// A day replayed (or delayed) long after it happened keeps its windows and
// alerts: retention counts back from the newest event time, not the wall
// clock.
func TestRetentionFollowsEventTime(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Storage.Dir = dir
	cfg.Pipeline.Shards = 2
	s, err := server.New(cfg, server.Options{Now: func() time.Time { return time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	defer func() { hs.Close(); s.Close() }()
	register(t, hs.URL, 5000)
	body := eventsBody(t, 3000, simulate.Drift{Feature: "transaction_amount", From: 12 * time.Hour, Scale: 3})
	if code, _, raw := call(t, "POST", hs.URL+"/v1/events", "application/x-ndjson", body); code != 202 {
		t.Fatalf("events: %d %s", code, raw)
	}
	var before []any
	deadline := time.Now().Add(10 * time.Second)
	for len(before) == 0 && time.Now().Before(deadline) {
		_, _, raw := call(t, "GET", hs.URL+"/v1/alerts", "", nil)
		json.Unmarshal([]byte(raw), &before)
		time.Sleep(20 * time.Millisecond)
	}
	if len(before) == 0 {
		t.Fatal("no alerts")
	}
	if stats, err := s.Prune(context.Background()); err != nil || stats.Alerts != 0 || stats.Windows != 0 {
		t.Errorf("a day of January 2026 pruned in June 2027: %+v %v", stats, err)
	}
}
