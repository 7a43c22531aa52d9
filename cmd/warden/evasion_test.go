package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warden-ml/warden/component"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/server"
	"github.com/warden-ml/warden/simulate"
)

// The evasion scenario: the simulator's day with the demo's staged threats
// (api_user_312 probing the model from 9 a.m., transaction amounts drifting
// from 2 p.m.), then the same day with an attacker's tricks on top: at
// 9 a.m., as the probing starts, an event dated a year ahead, one dated 2300
// and a burst of 50 dated a year ahead from another user; and no events at
// all from 3 to 4 a.m., the feed cut.
const (
	evasionEvents = 30000
	futureBurst   = 50
	expectEvery   = 10 * time.Minute
)

var (
	cutFrom, cutUntil = 3 * time.Hour, 4 * time.Hour
	tricksAt          = time.Duration(simulate.DemoAttackHour) * time.Hour
)

// evasionLine is one event of the scenario, as NDJSON.
type evasionLine struct {
	time   time.Time
	future bool // dated ahead of the day by the attacker
	json   []byte
}

type evasionDay struct {
	reference []byte // CSV
	plain     []evasionLine
	attacked  []evasionLine // with the tricks and the cut
}

func newEvasionDay(t *testing.T) *evasionDay {
	t.Helper()
	start := simulate.DefaultStart()
	opts := simulate.Options{Seed: 1, Rate: evasionEvents / 86400.0}
	for _, th := range simulate.Threats() {
		th.Apply(&opts, 24*time.Hour)
	}
	gen, err := simulate.NewGenerator(opts)
	if err != nil {
		t.Fatal(err)
	}
	lines := func(txs []simulate.Transaction, future bool) []evasionLine {
		var buf bytes.Buffer
		if err := simulate.WriteEvents(&buf, txs); err != nil {
			t.Fatal(err)
		}
		var out []evasionLine
		for i, l := range bytes.SplitAfter(buf.Bytes(), []byte("\n")) {
			if len(l) > 0 {
				out = append(out, evasionLine{time: txs[i].Time, future: future, json: l})
			}
		}
		return out
	}
	d := &evasionDay{plain: lines(gen.Take(evasionEvents), false)}
	var ref bytes.Buffer
	if err := simulate.WriteCSV(&ref, simulate.Reference(opts.Seed, 10000)); err != nil {
		t.Fatal(err)
	}
	d.reference = ref.Bytes()

	// Ordinary-looking transactions, dated where no traffic supports them.
	extra, err := simulate.NewGenerator(simulate.Options{Seed: 99})
	if err != nil {
		t.Fatal(err)
	}
	tricks := extra.Take(futureBurst + 2)
	yearAhead := start.AddDate(1, 0, 0).Add(tricksAt)
	for i := range tricks {
		tricks[i].ID = fmt.Sprintf("future-%d", i)
		switch i {
		case 0:
			tricks[i].User, tricks[i].Time = "time_traveller", yearAhead
		case 1:
			tricks[i].User, tricks[i].Time = "far_future", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
		default:
			tricks[i].User, tricks[i].Time = "future_burst", yearAhead.Add(time.Duration(i)*time.Second)
		}
	}
	inserted := false
	for _, l := range d.plain {
		off := l.time.Sub(start)
		if off >= cutFrom && off < cutUntil {
			continue
		}
		if !inserted && off >= tricksAt {
			d.attacked = append(d.attacked, lines(tricks, true)...)
			inserted = true
		}
		d.attacked = append(d.attacked, l)
	}
	return d
}

func joinLines(ls []evasionLine) []byte {
	var b bytes.Buffer
	for _, l := range ls {
		b.Write(l.json)
	}
	return b.Bytes()
}

// problem is what an alert is about, whatever window raised it.
type problem struct{ kind, subject string }

type evasionAlert struct {
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Severity string         `json:"severity"`
	Subject  string         `json:"subject"`
	Time     time.Time      `json:"time"`
	Summary  string         `json:"summary"`
	Details  map[string]any `json:"details"`
}

// compareEvasion checks the gate: the alerts are the plain day's (the same
// problems), plus one feed alert about the cut; the attacker is named and
// the drift found.
func compareEvasion(t *testing.T, plain, attacked []evasionAlert) {
	t.Helper()
	problems := func(as []evasionAlert) (set []problem, feed []evasionAlert) {
		seen := map[problem]bool{}
		for _, a := range as {
			if a.Type == "feed" {
				feed = append(feed, a)
				continue
			}
			if p := (problem{a.Type, a.Subject}); !seen[p] {
				seen[p] = true
				set = append(set, p)
			}
		}
		slices.SortFunc(set, func(a, b problem) int { return strings.Compare(a.kind+"/"+a.subject, b.kind+"/"+b.subject) })
		return set, feed
	}
	want, plainFeed := problems(plain)
	got, feed := problems(attacked)
	if len(plainFeed) != 0 {
		t.Errorf("feed alerts on the plain day: %+v", plainFeed)
	}
	t.Logf("alerts about %v, and %d about the feed", got, len(feed))
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("alerts are about\n%v\nwith the tricks and the cut; without:\n%v", got, want)
	}
	for _, p := range []problem{{"adversarial", simulate.DemoAttacker}, {"drift", simulate.ColTransactionAmount}} {
		if !slices.Contains(got, p) {
			t.Errorf("no %s alert about %s: %v", p.kind, p.subject, got)
		}
	}
	if len(feed) != 1 {
		t.Fatalf("%d feed alerts, want one for the cut: %+v", len(feed), feed)
	}
	start := simulate.DefaultStart()
	f := feed[0]
	last, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(f.Details["last_event"]))
	if f.Severity != "high" || f.Time.Before(start.Add(cutFrom)) || f.Time.After(start.Add(cutUntil+time.Minute)) ||
		last.Before(start.Add(cutFrom-time.Minute)) || last.After(start.Add(cutFrom)) {
		t.Errorf("feed alert %+v, want a high one about the cut from %s", f, start.Add(cutFrom))
	}
}

// The gate, in warden replay: the far-future events cannot be refused by a
// clock, but they move nothing. The alerts are exactly those of the day
// with the cut alone, and about the same problems as the plain day's, plus
// the cut; the far-future events are counted as ignored.
func TestEvasionReplay(t *testing.T) {
	day := newEvasionDay(t)
	dir := t.TempDir()
	writeFile(t, dir, "reference.csv", string(day.reference))
	cfg := writeFile(t, dir, "warden.yaml", fmt.Sprintf("models:\n  - name: %s\n    reference: reference.csv\n    expect_every: %s\n",
		simulate.ModelName, expectEvery))
	var cut []evasionLine
	for _, l := range day.attacked {
		if !l.future {
			cut = append(cut, l)
		}
	}
	runs := map[string][]evasionLine{"plain": day.plain, "cut": cut, "attacked": day.attacked}
	out := map[string]result{}
	for name, lines := range runs {
		events := writeFile(t, dir, name+".jsonl", string(joinLines(lines)))
		out[name] = warden(t, "replay", "--config", cfg, "--events", events)
	}
	alerts := map[string][]evasionAlert{}
	for name, r := range out {
		if r.code != 1 {
			t.Fatalf("replay of the %s day: exit %d, want 1: %s", name, r.code, r.stderr)
		}
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var a evasionAlert
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				t.Fatalf("%s: %v: %s", name, err, line)
			}
			alerts[name] = append(alerts[name], a)
		}
	}
	if out["attacked"].stdout != out["cut"].stdout {
		t.Errorf("the far-future events changed the alerts:\n%s\nwithout them:\n%s", out["attacked"].stdout, out["cut"].stdout)
	}
	compareEvasion(t, alerts["plain"], alerts["attacked"])
	want := fmt.Sprintf("replay: %d events ignored: dated far ahead of the rest of their model's traffic", futureBurst+2)
	if !strings.Contains(out["attacked"].stderr, want) || strings.Contains(out["cut"].stderr, "ignored") {
		t.Errorf("stderr:\n%s\nwant %q (and nothing ignored without the tricks: %s)", out["attacked"].stderr, want, out["cut"].stderr)
	}
}

// evasionServe runs a day through an in-process warden serve whose clock
// follows the traffic: each minute's events are posted as one batch with
// the clock at the newest of them, a minute without events moves it to
// the minute's end, and the feeds are checked every minute. It returns the
// alerts, the ingest answers that refused items and the metrics.
func evasionServe(t *testing.T, reference []byte, lines []evasionLine) ([]evasionAlert, []map[string]any, string) {
	t.Helper()
	start := simulate.DefaultStart()
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	cfg := config.Default()
	cfg.Storage.Dir = filepath.Join(t.TempDir(), "data")
	cfg.Pipeline.Shards = 2
	var logs bytes.Buffer
	var logMu sync.Mutex
	s, err := server.New(cfg, server.Options{
		Sections: component.Sections(components),
		Now:      func() time.Time { return time.Unix(0, clock.Load()).UTC() },
		Logger:   slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	defer func() { hs.Close(); s.Close() }()
	post := func(method, path, ct string, body []byte, want int) map[string]any {
		req, _ := http.NewRequest(method, hs.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		var doc map[string]any
		json.Unmarshal(raw, &doc)
		return doc
	}
	post("POST", "/v1/models", "application/json", []byte(fmt.Sprintf(`{"name":%q,"expect_every":%q}`, simulate.ModelName, expectEvery)), http.StatusCreated)
	post("PUT", "/v1/models/"+simulate.ModelName+"/reference", "text/csv", reference, http.StatusOK)

	var answers []map[string]any
	next := 0
	for minute := start; next < len(lines); minute = minute.Add(time.Minute) {
		end := minute.Add(time.Minute)
		var batch []byte
		newest := time.Time{}
		for ; next < len(lines) && (lines[next].future || lines[next].time.Before(end)); next++ {
			batch = append(batch, lines[next].json...)
			if !lines[next].future {
				newest = lines[next].time
			}
		}
		if newest.IsZero() {
			clock.Store(end.UnixNano())
		} else {
			clock.Store(newest.UnixNano())
			if doc := post("POST", "/v1/events", "application/x-ndjson", batch, http.StatusAccepted); doc["rejected"].(float64) > 0 {
				answers = append(answers, doc)
			}
		}
		s.CheckFeeds()
	}
	// Everything posted is processed once a checkpoint is taken.
	if err := s.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", hs.URL+"/v1/alerts?limit=10000", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var alerts []evasionAlert
	if err := json.NewDecoder(resp.Body).Decode(&alerts); err != nil {
		t.Fatal(err)
	}
	// Every minute with events is summarised, but the last few, which
	// nothing later closes.
	minutes := map[time.Time]bool{}
	for _, l := range lines {
		if !l.future {
			minutes[l.time.Truncate(time.Minute)] = true
		}
	}
	sums, _ := post("GET", "/v1/models/"+simulate.ModelName+"/outliers?limit=10000", "", nil, http.StatusOK)["summaries"].([]any)
	if len(sums) < len(minutes)-3 || len(sums) > len(minutes) {
		t.Errorf("%d outlier summaries of %d minutes with events", len(sums), len(minutes))
	}
	rep := post("GET", "/v1/report", "", nil, http.StatusOK)
	metrics, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(metrics.Body)
	metrics.Body.Close()
	logMu.Lock()
	defer logMu.Unlock()
	if logs.Len() > 0 {
		t.Errorf("errors logged: %s", logs.String())
	}
	if to, _ := time.Parse(time.RFC3339, fmt.Sprint(rep["to"])); to.Before(start) || to.After(start.Add(24*time.Hour)) {
		t.Errorf("the report ends at %v, outside the day", rep["to"])
	}
	return alerts, answers, string(raw)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// The gate, in warden serve, with a clock that follows the traffic: the
// far-future events are refused one by one with the reason, and counted;
// the alerts are about the same problems as the plain day's, plus one feed
// alert raised while the cut lasted.
func TestEvasionServe(t *testing.T) {
	day := newEvasionDay(t)
	plain, _, _ := evasionServe(t, day.reference, day.plain)
	attacked, answers, metrics := evasionServe(t, day.reference, day.attacked)
	compareEvasion(t, plain, attacked)
	if len(answers) != 1 {
		t.Fatalf("%d batches with refused items, want the one with the tricks: %v", len(answers), answers)
	}
	errs, _ := answers[0]["errors"].([]any)
	if answers[0]["rejected"].(float64) != futureBurst+2 || len(errs) != futureBurst+2 {
		t.Fatalf("answer %v, want the %d far-future items refused", answers[0], futureBurst+2)
	}
	for _, e := range errs {
		if reason := e.(map[string]any)["reason"].(string); !strings.Contains(reason, "ahead of the server's clock") {
			t.Errorf("reason %q", reason)
		}
	}
	want := fmt.Sprintf(`warden_events_time_rejected_total{model=%q,reason="future"} %d`, simulate.ModelName, futureBurst+2)
	if !strings.Contains(metrics, want) {
		t.Errorf("metrics lack %s", want)
	}
}
