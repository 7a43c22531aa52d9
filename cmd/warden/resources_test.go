package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/simulate"
	"github.com/warden-ml/warden/store/sqlite"
)

// resourceScale is how hard TestServeResources pushes the service: the
// issue's attacks at full scale with the default limits when
// WARDEN_MEASURE=1, and a small version of each, with small limits, in the
// normal suite.
type resourceScale struct {
	config      string   // the configuration file; "" for the defaults
	maxUsers    int      // models[].outliers.max_users of the model
	bombs       []int    // gzip bytes of each feature bomb, sent one after the other
	concurrent  int      // and then the largest this many at once
	bodyBytes   int      // NDJSON body over the limits
	users       int      // distinct users in one hour of event time
	batch       int      // events per request of the user flood
	rssBound    int64    // VmHWM must stay below this
	cpBound     int      // the checkpoint in the store must stay below this
	wantLimited []string // what the 413 for the large body may name
	idle        bool     // wait out a checkpoint interval with nothing logged
}

var (
	smallResources = resourceScale{
		config: `server:
  max_body_bytes: 1MiB
  max_events: 10000
  max_values: 100000
pipeline:
  queue_bytes: 32MiB
`,
		maxUsers: 1000, bombs: []int{64 << 10, 200 << 10}, concurrent: 4, bodyBytes: 3 << 20,
		users: 20_000, batch: 2000, rssBound: 1 << 30, cpBound: 1 << 20,
		wantLimited: []string{"server.max_body_bytes", "server.max_events"},
	}
	fullResources = resourceScale{
		maxUsers: config.DefaultModel().Outliers.MaxUsers, bombs: []int{1_600_000, 8_300_000}, concurrent: 8, bodyBytes: 100 << 20,
		users: 1_000_000, batch: 10_000, rssBound: 1 << 30, cpBound: 32 << 20,
		wantLimited: []string{"server.max_events"}, idle: true,
	}
)

// The service under the issue's attacks ("nobody can mute, blind or exhaust
// Warden"): gzip bodies of 1,024-feature events, a body far over the limits
// and a flood of distinct users in an hour of event time. It answers 413
// and keeps nothing of an oversized batch, its peak RSS stays under the
// bound, the burst test keeps at most max_users users and the checkpoint
// stays small. docs/resources.md records the full-scale figures:
//
//	WARDEN_MEASURE=1 go test -run TestServeResources -v -timeout 30m ./cmd/warden
func TestServeResources(t *testing.T) {
	sc := smallResources
	if os.Getenv("WARDEN_MEASURE") == "1" {
		sc = fullResources
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	var args []string
	if sc.config != "" {
		path := filepath.Join(dir, "warden.yaml")
		if err := os.WriteFile(path, []byte(sc.config), 0o644); err != nil {
			t.Fatal(err)
		}
		args = []string{"--config", path}
	}
	svc := startService(t, data, args...)
	pid := svc.cmd.Process.Pid
	register := fmt.Sprintf(`{"name":%q,"outliers":{"max_users":%d}}`, simulate.ModelName, sc.maxUsers)
	if code, raw := svc.do(t, "POST", "/v1/models", "application/json", []byte(register)); code != 201 {
		t.Fatalf("register: %d %s", code, raw)
	}
	var ref bytes.Buffer
	if err := simulate.WriteCSV(&ref, simulate.Reference(1, 10000)); err != nil {
		t.Fatal(err)
	}
	if code, raw := svc.do(t, "PUT", "/v1/models/"+simulate.ModelName+"/reference", "text/csv", ref.Bytes()); code != 200 {
		t.Fatalf("reference: %d %s", code, raw)
	}
	report := func(phase string, took time.Duration) {
		rss, hwm := memory(t, pid)
		t.Logf("%s: %.1f s, RSS %d MiB, peak %d MiB", phase, took.Seconds(), rss>>20, hwm>>20)
	}
	report("registered", 0)

	t.Run("feature bomb", func(t *testing.T) {
		for _, size := range sc.bombs {
			body, events := featureBomb(t, size)
			began := time.Now()
			code, raw := svc.do(t, "POST", "/v1/events", "application/x-ndjson", body)
			if code != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), "nothing was kept") {
				t.Errorf("%d bytes of gzip (%d events of 1,024 features): %d %s", len(body), events, code, raw)
			}
			report(fmt.Sprintf("feature bomb, %d bytes of gzip, %d events of 1,024 features: %d", len(body), events, code), time.Since(began))
		}
		body, _ := featureBomb(t, sc.bombs[len(sc.bombs)-1])
		began := time.Now()
		codes := make([]int, sc.concurrent)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Go(func() {
				resp, err := http.Post(svc.base+"/v1/events", "application/x-ndjson", bytes.NewReader(body))
				if err != nil {
					t.Errorf("concurrent bomb %d: %v", i, err)
					return
				}
				resp.Body.Close()
				codes[i] = resp.StatusCode
			})
		}
		wg.Wait()
		for _, code := range codes {
			if code != http.StatusRequestEntityTooLarge && code != http.StatusTooManyRequests {
				t.Errorf("concurrent bombs: %v, want 413 or 429", codes)
				break
			}
		}
		report(fmt.Sprintf("%d feature bombs at once: %v", sc.concurrent, codes), time.Since(began))
	})

	t.Run("body over the limits", func(t *testing.T) {
		body := eventsOfSize(t, sc.bodyBytes)
		before := metric(t, svc, "warden_events_received_total")
		began := time.Now()
		code, raw := svc.do(t, "POST", "/v1/events", "application/x-ndjson", body)
		took := time.Since(began)
		named := false
		for _, limit := range sc.wantLimited {
			named = named || strings.Contains(string(raw), limit)
		}
		if code != http.StatusRequestEntityTooLarge || !named {
			t.Errorf("%d MB body: %d %s, want 413 naming one of %v", len(body)>>20, code, raw, sc.wantLimited)
		}
		if after := metric(t, svc, "warden_events_received_total"); after != before {
			t.Errorf("events received went from %v to %v: part of a refused batch was kept", before, after)
		}
		report(fmt.Sprintf("%d MB NDJSON body: %d", len(body)>>20, code), took)
	})

	t.Run("distinct users", func(t *testing.T) {
		began := time.Now()
		sent := floodUsers(t, svc, sc.users, sc.batch)
		waitDrained(t, svc)
		report(fmt.Sprintf("%d events of %d distinct users in an hour of event time", sent, sc.users), time.Since(began))
		if users := metric(t, svc, "warden_outlier_users"); users > float64(sc.maxUsers) || users == 0 {
			t.Errorf("the burst test keeps %v users, max_users is %d", users, sc.maxUsers)
		}
		t.Logf("burst test: %v users kept, %v forgotten, %v inputs untracked", metric(t, svc, "warden_outlier_users"),
			metric(t, svc, "warden_outlier_users_forgotten_total"), metric(t, svc, "warden_outlier_inputs_untracked_total"))
		written := metric(t, svc, "warden_checkpoint_written_bytes_total")
		t.Logf("checkpoints so far wrote %.0f KiB; the last is %.0f KiB", written/1024, metric(t, svc, "warden_checkpoint_bytes")/1024)
		if !sc.idle {
			return
		}
		// Once the periodic checkpoint has caught up, an interval with
		// nothing logged writes nothing.
		time.Sleep(40 * time.Second)
		caughtUp := metric(t, svc, "warden_checkpoint_written_bytes_total")
		t.Logf("after the flood, the periodic checkpoint wrote %.0f KiB", (caughtUp-written)/1024)
		time.Sleep(40 * time.Second)
		if after := metric(t, svc, "warden_checkpoint_written_bytes_total"); after != caughtUp {
			t.Errorf("idle for 40 s, checkpoints wrote %.0f bytes", after-caughtUp)
		}
	})

	_, hwm := memory(t, pid)
	if hwm >= sc.rssBound {
		t.Errorf("peak RSS %d MiB, the bound is %d MiB", hwm>>20, sc.rssBound>>20)
	}
	if code, _ := svc.do(t, "GET", "/healthz", "", nil); code != 200 {
		t.Errorf("healthz: %d", code)
	}

	// A graceful stop writes the checkpoint; the store says how large.
	began := time.Now()
	svc.cmd.Process.Signal(syscall.SIGTERM)
	if err := svc.cmd.Wait(); err != nil {
		t.Errorf("warden serve after SIGTERM: %v", err)
	}
	stopped := time.Since(began)
	db, err := sqlite.Open(filepath.Join(data, "warden.db"))
	if err != nil {
		t.Fatal(err)
	}
	cp, ok, err := db.LoadCheckpoint(context.Background())
	db.Close()
	if err != nil || !ok {
		t.Fatalf("checkpoint: %v %v", ok, err)
	}
	size := len(cp.Position) + len(cp.State)
	var parts []string
	for name, p := range cp.Parts {
		size += len(p)
		parts = append(parts, fmt.Sprintf("%s %d KiB", name, len(p)>>10))
	}
	t.Logf("stopped in %.1f s; checkpoint %d KiB: core %d KiB, %s", stopped.Seconds(), size>>10, len(cp.State)>>10, strings.Join(parts, ", "))
	if size >= sc.cpBound {
		t.Errorf("checkpoint of %d KiB, the bound is %d KiB", size>>10, sc.cpBound>>10)
	}

	began = time.Now()
	svc = startService(t, data, args...)
	if code, raw := svc.do(t, "GET", "/readyz", "", nil); code != 200 {
		t.Errorf("readyz after the restart: %d %s", code, raw)
	}
	rss, _ := memory(t, svc.cmd.Process.Pid)
	t.Logf("restarted from the checkpoint in %.1f s, RSS %d MiB", time.Since(began).Seconds(), rss>>20)
}

// featureBomb is a gzip body of at least size bytes: identical events of
// 1,024 features in gzip members repeated, which decompress to far more
// than the server takes. It returns the body and how many events it holds.
func featureBomb(t *testing.T, size int) ([]byte, int) {
	t.Helper()
	var line bytes.Buffer
	fmt.Fprintf(&line, `{"model":%q,"user":"bomb","time":"2026-01-01T00:00:00Z","features":{`, simulate.ModelName)
	for i := range 1024 {
		if i > 0 {
			line.WriteByte(',')
		}
		fmt.Fprintf(&line, `"f%04d":0.5`, i)
	}
	line.WriteString("}}\n")
	const perMember = 1000
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	for range perMember {
		zw.Write(line.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	n := (size + member.Len() - 1) / member.Len()
	return bytes.Repeat(member.Bytes(), n), n * perMember
}

// eventsOfSize is an NDJSON body of simulated events of at least size bytes.
func eventsOfSize(t *testing.T, size int) []byte {
	t.Helper()
	gen, err := simulate.NewGenerator(simulate.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var one bytes.Buffer
	if err := simulate.WriteEvents(&one, gen.Take(10000)); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(one.Bytes(), (size+one.Len()-1)/one.Len())
}

// floodUsers sends n simulated events, each of a user of its own, spread
// over one hour of event time, in batches; it returns how many were
// accepted.
func floodUsers(t *testing.T, svc *service, n, batch int) int {
	t.Helper()
	gen, err := simulate.NewGenerator(simulate.Options{Seed: 11, Rate: float64(n) / 3600})
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	var body bytes.Buffer
	for start := 0; start < n; start += batch {
		txs := gen.Take(min(batch, n-start))
		for i := range txs {
			txs[i].User = fmt.Sprintf("flood_%07d", start+i)
		}
		body.Reset()
		if err := simulate.WriteEvents(&body, txs); err != nil {
			t.Fatal(err)
		}
		for {
			code, raw := svc.do(t, "POST", "/v1/events", "application/x-ndjson", body.Bytes())
			if code == http.StatusTooManyRequests {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			if code != http.StatusAccepted {
				t.Fatalf("flood batch at %d: %d %s", start, code, raw)
			}
			accepted += len(txs)
			break
		}
	}
	return accepted
}

// waitDrained waits until every accepted event is processed.
func waitDrained(t *testing.T, svc *service) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for metric(t, svc, "warden_queue_depth") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the queue did not drain in 10 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// metric sums the samples of a metric from /metrics.
func metric(t *testing.T, svc *service, name string) float64 {
	t.Helper()
	code, raw := svc.do(t, "GET", "/metrics", "", nil)
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	sum := 0.0
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		sum += v
	}
	return sum
}

// memory reads a process's resident set and its peak from /proc.
func memory(t *testing.T, pid int) (rss, peak int64) {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read memory from: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("/proc/%d/status: %q", pid, line)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return rss, peak
}
