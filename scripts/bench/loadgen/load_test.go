package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/event"
)

// fakeIngest is a POST /v1/events that decodes with the server's decoder,
// throttles every throttleEvery-th request, hangs up on every
// breakEvery-th, and remembers every event.
type fakeIngest struct {
	mu            sync.Mutex
	requests      int
	throttleEvery int
	throttled     int
	breakEvery    int
	broken        int
	status        int    // answer with this instead of 202 when set
	answer        string // and this body
	seen          map[string]event.Event
}

func (f *fakeIngest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/events" {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.status != 0 {
		w.WriteHeader(f.status)
		io.WriteString(w, f.answer)
		return
	}
	if f.breakEvery > 0 && f.requests%f.breakEvery == 0 {
		f.broken++
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if f.throttleEvery > 0 && f.requests%f.throttleEvery == 0 {
		f.throttled++
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":"ingest queues are full; retry later"}`)
		return
	}
	evs, rejected, err := event.NewDecoder(event.DefaultLimits()).Decode(strings.NewReader(string(body)), nil)
	if err != nil || len(rejected) > 0 {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"accepted":0,"rejected":%d}`, len(rejected)+1)
		return
	}
	for _, e := range evs {
		f.seen[e.ID] = e
	}
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, "{\n  \"accepted\": %d,\n  \"rejected\": 0,\n  \"errors\": []\n}\n", len(evs))
}

func TestRun(t *testing.T) {
	const batch = 100
	normal := templates(genOptions{Model: "steady", Batch: batch, Users: 500, Zipf: 1.2, Seed: 1}, 3, false)
	drifted := templates(genOptions{Model: "drifted", Batch: batch, Users: 500, Zipf: 1.2, Seed: 1}, 3, true)
	tests := []struct {
		name          string
		events        int64
		conns         int
		driftAt       int64
		throttleEvery int
		breakEvery    int
	}{
		{"one connection", 1000, 1, -1, 0, 0},
		{"four connections, drift half-way", 3000, 4, 1500, 0, 0},
		{"throttled every third request", 2000, 3, -1, 3, 0},
		{"drift from the start", 500, 2, 0, 0, 0},
		{"hung up on every fourth request", 2000, 2, -1, 0, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeIngest{throttleEvery: tc.throttleEvery, breakEvery: tc.breakEvery, seen: map[string]event.Event{}}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			var slept []time.Duration
			var mu sync.Mutex
			o := loadOptions{
				URL: srv.URL, Events: tc.events, Conns: tc.conns, DriftAt: tc.driftAt,
				Base: base, Step: time.Millisecond, PID: 0, Sample: time.Second, Client: srv.Client(), MaxBroken: 100,
				Sleep: func(_ context.Context, d time.Duration) error {
					mu.Lock()
					slept = append(slept, d)
					mu.Unlock()
					return nil
				},
			}
			res, err := run(context.Background(), o, normal, drifted)
			if err != nil {
				t.Fatal(err)
			}
			if res.Events != tc.events || res.Batches != tc.events/batch || len(res.Latencies) != int(res.Batches) {
				t.Errorf("events %d, batches %d, latencies %d; want %d events", res.Events, res.Batches, len(res.Latencies), tc.events)
			}
			if res.Throttled != int64(fake.throttled) || res.Broken != int64(fake.broken) || len(slept) != fake.throttled+fake.broken {
				t.Errorf("counted %d 429s and %d broken requests, slept %d times; the server sent %d 429s and hung up %d times",
					res.Throttled, res.Broken, len(slept), fake.throttled, fake.broken)
			}
			if tc.breakEvery > 0 && (fake.broken == 0 || res.BrokenMax <= 0) {
				t.Errorf("the fake server hung up %d times; longest broken request %v", fake.broken, res.BrokenMax)
			}
			for _, d := range slept {
				if d != time.Second {
					t.Errorf("slept %v after Retry-After: 1", d)
				}
			}
			if tc.throttleEvery > 0 && fake.throttled == 0 {
				t.Error("the fake server never throttled")
			}
			// Every event exactly once, with its own time and the right
			// side of the change.
			if len(fake.seen) != int(tc.events) {
				t.Fatalf("server saw %d distinct ids, want %d", len(fake.seen), tc.events)
			}
			for seq := range tc.events {
				e, ok := fake.seen["e"+leftPad(seq)]
				if !ok {
					t.Fatalf("event %d never arrived", seq)
				}
				if want := base.Add(time.Duration(seq) * time.Millisecond); !e.Time.Equal(want) {
					t.Fatalf("event %d: time %v, want %v", seq, e.Time, want)
				}
				wantModel := "steady"
				if tc.driftAt >= 0 && seq >= tc.driftAt {
					wantModel = "drifted"
				}
				if e.Model != wantModel {
					t.Fatalf("event %d from the %s batches, want %s", seq, e.Model, wantModel)
				}
			}
			for i := 1; i < len(res.Latencies); i++ {
				if res.Latencies[i] < res.Latencies[i-1] {
					t.Fatal("latencies not sorted")
				}
			}
			if res.Samples != nil {
				t.Errorf("without a PID: %d samples", len(res.Samples))
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	normal := templates(genOptions{Model: "m", Batch: 10, Users: 50, Zipf: 1.5, Seed: 1}, 2, false)
	tests := []struct {
		name    string
		status  int
		answer  string
		wantErr string
	}{
		{"server error", http.StatusInternalServerError, `{"error":"disk full"}`, "500 Internal Server Error: {\"error\":\"disk full\"}"},
		{"unknown model", http.StatusBadRequest, `{"accepted":0,"rejected":10}`, "400 Bad Request"},
		{"partly rejected", http.StatusAccepted, `{"accepted":9,"rejected":1,"errors":[{"index":3}]}`, "1 events rejected"},
		{"short count", http.StatusAccepted, `{"accepted":9,"rejected":0}`, "9 of 10 events accepted"},
		{"not JSON", http.StatusAccepted, `accepted`, "202 answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(&fakeIngest{status: tc.status, answer: tc.answer})
			defer srv.Close()
			o := loadOptions{URL: srv.URL, Events: 100, Conns: 2, DriftAt: -1, Base: base, Step: time.Second,
				Sample: time.Second, Client: srv.Client(), Sleep: sleep}
			_, err := run(context.Background(), o, normal, nil)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "batch ") {
				t.Fatalf("error %v, want one naming the batch and containing %q", err, tc.wantErr)
			}
		})
	}
	noSleep := func(context.Context, time.Duration) error { return nil }
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		o := loadOptions{URL: url, Events: 10, Conns: 1, DriftAt: -1, Base: base, Step: time.Second,
			Sample: time.Second, Client: http.DefaultClient, Sleep: noSleep, MaxBroken: 2}
		_, err := run(context.Background(), o, normal, nil)
		if err == nil || !strings.Contains(err.Error(), "3 requests broke off") || !strings.Contains(err.Error(), "connect") {
			t.Fatalf("error %v, want a connection error after 2 retries", err)
		}
	})
	t.Run("always hangs up", func(t *testing.T) {
		srv := httptest.NewServer(&fakeIngest{breakEvery: 1})
		defer srv.Close()
		o := loadOptions{URL: srv.URL, Events: 10, Conns: 1, DriftAt: -1, Base: base, Step: time.Second,
			Sample: time.Second, Client: srv.Client(), Sleep: noSleep, MaxBroken: 5}
		_, err := run(context.Background(), o, normal, nil)
		if err == nil || !strings.Contains(err.Error(), "6 requests broke off") || !strings.Contains(err.Error(), "batch 0") {
			t.Fatalf("error %v, want the sixth break of batch 0", err)
		}
	})
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 99, 0},
		{"one", ms(7), 50, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p90 of 1..100", ms(hundred...), 90, 90 * time.Millisecond},
		{"p99 of ten is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"max", ms(1, 5, 9), 100, 9 * time.Millisecond},
		{"p0 is the min", ms(3, 4), 0, 3 * time.Millisecond},
	}
	for _, tc := range tests {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("%s: percentile(p%g) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"1", time.Second},
		{"0", 0},
		{"5", 5 * time.Second},
		{"", time.Second},
		{"Wed, 21 Oct 2026 07:28:00 GMT", time.Second},
		{"-3", time.Second},
		{"999999", time.Second},
	}
	for _, tc := range tests {
		if got := retryAfter(tc.in); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	c := &settings{Batch: 1000, Conns: 4, Distinct: 100, Users: 10}
	// RSS climbs while the service warms up, then stays at 200 MiB.
	var samples []sample
	for i := range int64(21) {
		rss := int64(200 << 10)
		if i < 2 {
			rss = (50 + 50*i) << 10
		}
		samples = append(samples, sample{Seconds: float64(i), Events: i * 50000, RSSKiB: rss})
	}
	lat := make([]time.Duration, 1000)
	for i := range lat {
		lat[i] = time.Duration(i+1) * 100 * time.Microsecond
	}
	r := &loadResult{Events: 1_000_000, Batches: 1000, Throttled: 3, Elapsed: 10 * time.Second,
		Latencies: lat, Samples: samples, SelfCPU: time.Second}
	// 5 s more to settle: 30 s of server CPU over 15 s.
	s := summarize(c, r, 30*time.Second, 5*time.Second)
	if s.EventsPerSec != 100000 || s.EndToEndPerSec != 1e6/15 || s.ServerCores != 2 || s.LoadgenCores != 0.1 {
		t.Errorf("events/s %g (end to end %g), server %g cores, loadgen %g cores", s.EventsPerSec, s.EndToEndPerSec, s.ServerCores, s.LoadgenCores)
	}
	if s.ServerUSPerEvent != 30 || s.LoadgenUSPerEvent != 1 {
		t.Errorf("server %g µs/event, loadgen %g µs/event", s.ServerUSPerEvent, s.LoadgenUSPerEvent)
	}
	if s.LatencyMS.P50 != 50 || s.LatencyMS.P99 != 99 || s.LatencyMS.Max != 100 {
		t.Errorf("latency %+v", s.LatencyMS)
	}
	if s.RSS.StartMiB != 50 || s.RSS.WarmMiB != 200 || s.RSS.EndMiB != 200 || s.RSS.MaxMiB != 200 {
		t.Errorf("RSS %+v", s.RSS)
	}
	if len(s.RSS.Deciles) != 10 || s.RSS.Deciles[0] != 200 || s.RSS.Deciles[9] != 200 {
		t.Errorf("deciles %v", s.RSS.Deciles)
	}
	row := strings.Split(strings.TrimSpace(s.markdown()), "\n")
	if len(row) != 3 || !strings.Contains(row[2], "| 100000 (66667) |") || !strings.Contains(row[2], "| 3, 0 |") {
		t.Errorf("markdown:\n%s", s.markdown())
	}
}

func BenchmarkSendLoopback(b *testing.B) {
	normal := templates(genOptions{Model: "m", Batch: 1000, Users: 1000, Zipf: 1.2, Seed: 1}, 2, false)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"accepted":1000,"rejected":0}`)
	}))
	defer srv.Close()
	o := loadOptions{URL: srv.URL, Client: srv.Client(), Sleep: sleep, Base: base, Step: time.Microsecond}
	var count counters
	var buf []byte
	b.SetBytes(int64(len(normal[0].body)))
	for i := 0; b.Loop(); i++ {
		buf = stamp(buf, &normal[i%2], int64(i)*1000, base, o.Step)
		if _, _, err := send(context.Background(), o, buf, &count); err != nil {
			b.Fatal(err)
		}
	}
}
