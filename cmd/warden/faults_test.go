package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/warden-ml/warden/simulate"
)

// faultEvents is how many events each fault run sends: WARDEN_FAULT_EVENTS,
// or 20,000 (CI's small scale; docs/reliability.md has the full-scale
// figures).
func faultEvents(t *testing.T) int { return envCount(t, "WARDEN_FAULT_EVENTS", 20_000, 5000) }

// envCount is the whole number in the variable name, at least least, or
// def when it is unset.
func envCount(t *testing.T, name string, def, least int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		t.Fatalf("%s=%q: want a whole number of at least %d", name, v, least)
	}
	return n
}

// faultRun is one run of the fault suite: the simulator's day sent in
// batches of 1,000 to a service, with a fault in between, and the checks
// every fault is followed by.
type faultRun struct {
	t        *testing.T
	dir      string
	data     string
	ref      []byte
	batches  [][]byte
	accepted [][]byte // the batches acknowledged, in the order they were
	svc      *service
	acked    string   // an alert acknowledged before the fault
	args     []string // for warden serve, besides --data
}

func newFaultRun(t *testing.T, data string) *faultRun {
	t.Helper()
	ref, lines := simulatedDay(t, faultEvents(t), 3)
	f := &faultRun{t: t, dir: t.TempDir(), data: data, ref: ref}
	if f.data == "" {
		f.data = filepath.Join(f.dir, "data")
	}
	for i := 0; i < len(lines); i += 1000 {
		b := bytes.Join(lines[i:min(i+1000, len(lines))], nil)
		if !bytes.HasSuffix(b, []byte("\n")) {
			b = append(b, '\n')
		}
		f.batches = append(f.batches, b)
	}
	return f
}

// start starts the service and registers the model and a silence that
// matches nothing in this traffic (so that an uninterrupted replay, which
// knows no silences, stays comparable).
func (f *faultRun) start() {
	t := f.t
	t.Helper()
	f.svc = startService(t, f.data, f.args...)
	if code, raw := f.svc.do(t, "POST", "/v1/models", "application/json", []byte(`{"name":"`+simulate.ModelName+`"}`)); code != 201 && code != 200 {
		t.Fatalf("register: %d %s", code, raw)
	}
	if code, raw := f.svc.do(t, "PUT", "/v1/models/"+simulate.ModelName+"/reference", "text/csv", f.ref); code != 200 {
		t.Fatalf("reference: %d %s", code, raw)
	}
	if code, raw := f.svc.do(t, "POST", "/v1/silences", "application/json",
		[]byte(`{"id":"keep","matchers":{"model":"`+simulate.ModelName+`","type":"extraction"},"starts_at":"2026-01-01T00:00:00Z","ends_at":"2027-01-01T00:00:00Z"}`)); code != 201 {
		t.Fatalf("silence: %d %s", code, raw)
	}
}

// send posts batch i until it is acknowledged, and reports the answer
// when it is neither 202 nor 429.
func (f *faultRun) send(i int) (int, []byte) {
	t := f.t
	t.Helper()
	for {
		code, raw := f.svc.do(t, "POST", "/v1/events", "application/x-ndjson", f.batches[i])
		switch code {
		case http.StatusTooManyRequests:
			time.Sleep(10 * time.Millisecond)
			continue
		case http.StatusAccepted:
			f.accepted = append(f.accepted, f.batches[i])
		}
		return code, raw
	}
}

// sendAll sends batches [from, to) and fails on anything but 202.
func (f *faultRun) sendAll(from, to int) {
	f.t.Helper()
	for i := from; i < to; i++ {
		if code, raw := f.send(i); code != http.StatusAccepted {
			f.t.Fatalf("batch %d: %d %s", i, code, raw)
		}
	}
}

func (f *faultRun) events() int { return eventsIn(f.accepted) }

// eventsIn counts the events of batches (each line ends with a newline).
func eventsIn(batches [][]byte) int {
	n := 0
	for _, b := range batches {
		n += bytes.Count(b, []byte("\n"))
	}
	return n
}

// ackOne acknowledges the first alert, to check later that it stays so.
func (f *faultRun) ackOne() {
	t := f.t
	t.Helper()
	alerts := f.svc.alerts(t)
	if len(alerts) == 0 {
		t.Fatal("no alert to acknowledge")
	}
	f.acked = alerts[0].ID
	if code, raw := f.svc.do(t, "POST", "/v1/alerts/"+f.acked+"/ack", "application/json", []byte(`{"by":"oncall"}`)); code != 200 {
		t.Fatalf("ack: %d %s", code, raw)
	}
}

// check is what follows every fault: every acknowledged event processed,
// exactly the alerts an uninterrupted replay of the acknowledged batches
// raises (none lost, none twice), the silence and the acknowledgement
// intact.
func (f *faultRun) check(label string) {
	f.t.Helper()
	f.checkAgainst(label, f.accepted)
}

// checkAgainst is check against the given acknowledged batches: those a
// backup holds, for one.
func (f *faultRun) checkAgainst(label string, accepted [][]byte) {
	t := f.t
	t.Helper()
	n := eventsIn(accepted)
	f.svc.waitProcessed(t, n)
	got := f.svc.alerts(t)
	want := f.replay(accepted)
	if len(got) != len(want) {
		t.Errorf("%s: the service has %d alerts, an uninterrupted replay of the %d acknowledged events %d", label, len(got), n, len(want))
	}
	gotIDs, wantIDs := map[string]string{}, map[string]string{}
	for _, a := range got {
		gotIDs[a.ID] = a.Severity
	}
	for _, a := range want {
		wantIDs[a.ID] = a.Severity
		if sev, ok := gotIDs[a.ID]; !ok || sev != a.Severity {
			t.Errorf("%s: replay alert %+v: service has %q", label, a, sev)
		}
	}
	for _, a := range got {
		if _, ok := wantIDs[a.ID]; !ok {
			t.Errorf("%s: service alert %+v is not in the replay", label, a)
		}
	}
	code, raw := f.svc.do(t, "GET", "/v1/silences", "", nil)
	if code != 200 || !strings.Contains(string(raw), `"id": "keep"`) {
		t.Errorf("%s: the silence is gone: %d %s", label, code, raw)
	}
	if f.acked != "" {
		code, raw := f.svc.do(t, "GET", "/v1/alerts?state=acknowledged&limit=10000", "", nil)
		if code != 200 || !strings.Contains(string(raw), f.acked) {
			t.Errorf("%s: alert %s is no longer acknowledged: %d %.300s", label, f.acked, code, raw)
		}
	}
}

// replay runs warden replay over the acknowledged batches in the order
// they were acknowledged.
func (f *faultRun) replay(accepted [][]byte) []storedAlert {
	t := f.t
	t.Helper()
	events := filepath.Join(f.dir, "accepted.jsonl")
	if err := os.WriteFile(events, bytes.Join(accepted, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(f.dir, "reference.csv"), f.ref, 0o644)
	cfg := filepath.Join(f.dir, "warden.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("models:\n  - name: %s\n    reference: reference.csv\n", simulate.ModelName)), 0o644)
	rep := warden(t, "replay", "--config", cfg, "--events", events)
	if rep.code > 1 {
		t.Fatalf("replay: exit %d: %s", rep.code, rep.stderr)
	}
	var out []storedAlert
	for _, line := range strings.Split(strings.TrimSpace(rep.stdout), "\n") {
		if line == "" {
			continue
		}
		var a storedAlert
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b storedAlert) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// ready polls /readyz until it answers want or the time is up, and
// returns the last answer.
func (s *service) ready(t *testing.T, want int, within time.Duration) (int, []byte) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, raw := s.do(t, "GET", "/readyz", "", nil)
		if code == want || time.Now().After(deadline) {
			return code, raw
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mountSmall mounts a tmpfs of size bytes at dir. Only root may; outside
// CI the test is skipped without, in CI it fails.
func mountSmall(t *testing.T, dir string, size int64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("a small disk needs a tmpfs mount, which needs root: %v %s", err, bytes.TrimSpace(out))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

// fill writes a file in dir until the disk is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// Disk full, then space freed, with no restart: the store's disk first
// (the log still takes batches, but the windows and alerts of some fail to
// save), then the log's. Batches get 507 while a disk is full and /readyz
// says why; once space is back the service is ready by itself, redoes what
// failed to save, and ends with the alerts of an uninterrupted run.
func TestFaultDiskFull(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	size := max(256<<20, int64(faultEvents(t))*3<<10) // the store or the log of every event, twice over
	mountSmall(t, data, size)
	mountSmall(t, filepath.Join(data, "events"), size)
	f := newFaultRun(t, data)
	f.start()
	// Past the drift's start, so that there is an alert to acknowledge.
	next := len(f.batches) * 3 / 5
	f.sendAll(0, next)
	f.svc.waitProcessed(t, f.events())
	f.ackOne()

	var refused []int
	for round, dir := range []string{data, filepath.Join(data, "events")} {
		filler := filepath.Join(dir, "filler")
		fill(t, filler)
		// Batches the log still takes, until a write fails: with the log
		// on a disk with room, the store's writes fail once SQLite's
		// write-ahead log needs room to grow.
		for degraded := false; !degraded; {
			if next == len(f.batches) {
				t.Fatalf("round %d: every batch was taken with the disk full", round)
			}
			code, raw := f.send(next)
			switch code {
			case http.StatusAccepted:
				next++
				code, _ := f.svc.ready(t, http.StatusServiceUnavailable, 300*time.Millisecond)
				degraded = code == http.StatusServiceUnavailable
			case http.StatusInsufficientStorage:
				degraded = true
			default:
				t.Fatalf("round %d: batch %d with the disk full: %d %s", round, next, code, raw)
			}
		}
		full := 0
		for ; next < len(f.batches); next++ {
			code, raw := f.send(next)
			if code == http.StatusAccepted {
				continue
			}
			if code == http.StatusInsufficientStorage {
				full++
			} else if code != http.StatusServiceUnavailable {
				t.Fatalf("round %d: batch %d with the disk full: %d %s", round, next, code, raw)
			}
			refused = append(refused, next)
			if full >= 3 {
				next++
				break
			}
		}
		if full == 0 {
			t.Fatalf("round %d: no batch got 507 with the disk full", round)
		}
		code, raw := f.svc.ready(t, http.StatusServiceUnavailable, 10*time.Second)
		var status struct {
			Status   string `json:"status"`
			DiskFull bool   `json:"disk_full"`
		}
		if code != http.StatusServiceUnavailable || json.Unmarshal(raw, &status) != nil || status.Status != "degraded" || !status.DiskFull {
			t.Fatalf("round %d: /readyz with the disk full: %d %s", round, code, raw)
		}
		os.Remove(filler)
		if code, raw := f.svc.ready(t, http.StatusOK, 30*time.Second); code != http.StatusOK {
			t.Fatalf("round %d: /readyz 30 s after space was freed: %d %s\n%s", round, code, raw, f.svc.log)
		}
	}
	for _, i := range refused {
		if code, raw := f.send(i); code != http.StatusAccepted {
			t.Fatalf("batch %d sent again: %d %s", i, code, raw)
		}
	}
	f.sendAll(next, len(f.batches))
	f.check("disk full, then freed")
	_, metrics := f.svc.do(t, "GET", "/metrics", "", nil)
	for _, want := range []string{"warden_recoveries_total 2", `warden_write_failures_total{what="appending to the event log"}`, `warden_write_failures_total{what="storing`} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(metrics, "warden_recoveries_total", "warden_write_failures_total"))
		}
	}
}

func grepLines(b []byte, prefixes ...string) string {
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				out = append(out, line)
			}
		}
	}
	return strings.Join(out, "\n")
}

// config writes a configuration file with these lines for warden serve.
func (f *faultRun) config(yaml string) {
	path := filepath.Join(f.dir, "serve.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		f.t.Fatal(err)
	}
	f.args = []string{"--config", path}
}

// stop stops the service as an operator would (SIGTERM): it finishes, takes
// a last checkpoint and exits.
func (s *service) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("warden serve on SIGTERM: %v\n%s", err, s.log)
		}
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		t.Fatal("warden serve did not stop within 60 s of SIGTERM")
	}
}

// refusedStart runs warden serve on the data and wants it to refuse to
// start, saying each of want.
func (f *faultRun) refusedStart(want ...string) {
	t := f.t
	t.Helper()
	res := warden(t, append([]string{"serve", "--data", f.data, "--addr", "127.0.0.1:0"}, f.args...)...)
	if res.code == 0 {
		t.Fatalf("warden serve started on a damaged data directory")
	}
	for _, w := range want {
		if !strings.Contains(res.stderr, w) {
			t.Errorf("warden serve refused without saying %q:\n%s", w, res.stderr)
		}
	}
}

// Damage to the event log while the service is stopped: a flipped byte in
// the middle of the newest segment, the newest segment cut in half, and a
// segment deleted. The service refuses to start and names the segment;
// log verify says what is wrong; log repair moves the damage aside and
// says what it gave up; the service then starts with every alert and
// acknowledgement it had.
func TestFaultDamagedLog(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, events string, segs []string) string // returns the segment named
		gaveUp bool
	}{
		{"flipped byte", func(t *testing.T, events string, segs []string) string {
			path := segs[len(segs)-1]
			b, _ := os.ReadFile(path)
			b[len(b)/2] ^= 0x10
			os.WriteFile(path, b, 0o600)
			return filepath.Base(path)
		}, true},
		{"truncated", func(t *testing.T, events string, segs []string) string {
			path := segs[len(segs)-1]
			st, _ := os.Stat(path)
			os.Truncate(path, st.Size()/2)
			return filepath.Base(path)
		}, true},
		{"deleted", func(t *testing.T, events string, segs []string) string {
			path := segs[len(segs)/2]
			os.Remove(path)
			return filepath.Base(path)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFaultRun(t, "")
			f.config("storage: {segment_bytes: 1MiB}\n")
			f.start()
			f.sendAll(0, len(f.batches))
			f.svc.waitProcessed(t, f.events())
			f.ackOne()
			f.svc.stop(t)

			events := filepath.Join(f.data, "events")
			segs, _ := filepath.Glob(filepath.Join(events, "*.wal"))
			if len(segs) < 3 {
				t.Fatalf("want several segments, have %d", len(segs))
			}
			named := tc.damage(t, events, segs)
			f.refusedStart("damaged", named, "warden log repair")
			verify := warden(t, "log", "verify", "--data", f.data)
			if verify.code != exitFound || !strings.Contains(verify.stdout, "problem:") {
				t.Fatalf("log verify: exit %d:\n%s%s", verify.code, verify.stdout, verify.stderr)
			}
			repair := warden(t, "log", "repair", "--data", f.data)
			if repair.code != 0 || !strings.Contains(repair.stdout, "found:") {
				t.Fatalf("log repair: exit %d:\n%s%s", repair.code, repair.stdout, repair.stderr)
			}
			if tc.gaveUp && !strings.Contains(repair.stdout, "gave up") {
				t.Errorf("log repair does not say what it gave up:\n%s", repair.stdout)
			}
			if again := warden(t, "log", "verify", "--data", f.data); again.code != 0 {
				t.Fatalf("log verify after repair: exit %d:\n%s", again.code, again.stdout)
			}
			f.start()
			f.check(tc.name + ", repaired")
		})
	}
}

// faultKills is how many times TestFaultKills kills the service:
// WARDEN_FAULT_KILLS, or 21.
func faultKills(t *testing.T) int { return envCount(t, "WARDEN_FAULT_KILLS", 21, 1) }

// post sends one batch and returns its answer, or an error when the
// connection broke (the service was killed) before an answer came.
func (s *service) post(batch []byte) (int, []byte, error) {
	req, _ := http.NewRequest("POST", s.base+"/v1/events", bytes.NewReader(batch))
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// logBytes is the size of the event log's segments.
func logBytes(data string) int64 {
	segs, _ := filepath.Glob(filepath.Join(data, "events", "*.wal"))
	var n int64
	for _, s := range segs {
		if st, err := os.Stat(s); err == nil {
			n += st.Size()
		}
	}
	return n
}

// kill -9, again and again: between logging a batch and its answer
// reaching the client, at a random moment of ingest (checkpoints run every
// 200 ms), and during start-up.
// The batch whose answer was lost is sent again after the restart, as a
// client would; the events it had logged are recognised as duplicates.
// In the end every acknowledged event is processed once and the alerts
// are those of an uninterrupted replay.
func TestFaultKills(t *testing.T) {
	kills := faultKills(t)
	f := newFaultRun(t, "")
	f.config("storage: {segment_bytes: 1MiB, checkpoint_every: 200ms}\n")
	f.start()
	rng := rand.New(rand.NewPCG(uint64(kills), 7))
	next, retriedDup, duringStart := 0, 0, 0
	perRound := max(1, len(f.batches)/(kills+2))
	for k := range kills {
		// Ingest from a client that sends one batch at a time.
		type outcome struct {
			i    int
			code int
			raw  []byte
			err  error
		}
		results := make(chan outcome, perRound*2)
		stopAt := min(next+perRound, len(f.batches))
		lost := -1
		if k%3 == 0 {
			// The answer is lost on the way: the client hangs up as soon as
			// it has sent the batch, and the service dies once the batch is
			// in the log.
			before := logBytes(f.data)
			f.svc.hangUp(t, f.batches[next])
			// Logged: the log grew and stopped growing.
			deadline := time.Now().Add(10 * time.Second)
			for last, stable := before, 0; stable < 50 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
				if n := logBytes(f.data); n != last || n == before {
					last, stable = n, 0
					continue
				}
				stable++
			}
			lost, stopAt = next, next
		}
		go func(from int) {
			defer close(results)
			for i := from; i < stopAt; i++ {
				code, raw, err := f.svc.post(f.batches[i])
				results <- outcome{i, code, raw, err}
				if err != nil || code != http.StatusAccepted {
					return
				}
			}
		}(next)
		if k%3 != 0 {
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		}
		f.svc.kill(t)
		pending := lost
		for r := range results {
			switch {
			case r.err == nil && r.code == http.StatusAccepted:
				f.accepted = append(f.accepted, f.batches[r.i])
				next = r.i + 1
			case r.err != nil:
				pending = r.i // its answer was lost
			case r.code == http.StatusTooManyRequests:
				pending = r.i
			default:
				t.Fatalf("kill %d: batch %d: %d %s", k, r.i, r.code, r.raw)
			}
		}

		// Every third restart is killed again while it starts: replaying
		// the log, restoring the checkpoint.
		if k%3 == 2 {
			cmd := exec.Command(wardenBin, append([]string{"serve", "--data", f.data, "--addr", "127.0.0.1:0"}, f.args...)...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(rng.IntN(80)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
			if cmd.Wait() != nil {
				duringStart++
			}
		}
		f.svc = startService(t, f.data, f.args...)
		if pending >= 0 {
			code, raw := f.svc.do(t, "POST", "/v1/events", "application/x-ndjson", f.batches[pending])
			var res struct{ Accepted, Duplicates int }
			if code != http.StatusAccepted || json.Unmarshal(raw, &res) != nil {
				t.Fatalf("kill %d: batch %d sent again: %d %s", k, pending, code, raw)
			}
			events := bytes.Count(f.batches[pending], []byte("\n"))
			if res.Duplicates != 0 && res.Duplicates != events {
				t.Fatalf("kill %d: batch %d sent again: %d of its %d events were duplicates; a batch is logged whole or not at all", k, pending, res.Duplicates, events)
			}
			if res.Duplicates == events {
				retriedDup++
			}
			f.accepted = append(f.accepted, f.batches[pending])
			next = pending + 1
		}
		if f.acked == "" && len(f.svc.alerts(t)) > 0 {
			f.ackOne()
		}
	}
	f.sendAll(next, len(f.batches))
	if f.acked == "" {
		f.svc.waitProcessed(t, f.events())
		f.ackOne()
	}
	t.Logf("%d kills (%d during start-up); %d batches whose answer was lost had been logged and were recognised when sent again", kills, duringStart, retriedDup)
	if want := (kills + 2) / 3; retriedDup < want {
		t.Errorf("%d batches whose answer was lost were recognised when sent again, want %d", retriedDup, want)
	}
	f.check(fmt.Sprintf("after %d kills", kills))
}

// hangUp sends a batch and closes the connection without reading the
// answer, as a client whose proxy timed out.
func (s *service) hangUp(t *testing.T, batch []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /v1/events HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n",
		strings.TrimPrefix(s.base, "http://"), len(batch))
	conn.Write(batch)
	conn.Close()
}

// A damaged store: the service refuses to start and says to restore the
// store from a backup; restored with --store-only, keeping the event log,
// the service replays the log from the backup's checkpoint and ends with
// every alert, the silence and the acknowledgement made before the backup.
func TestFaultDamagedStore(t *testing.T) {
	f := newFaultRun(t, "")
	f.config("storage: {checkpoint_every: 200ms}\n")
	f.start()
	half := len(f.batches) * 3 / 5
	f.sendAll(0, half)
	f.svc.waitProcessed(t, f.events())
	f.ackOne()
	backup := filepath.Join(f.dir, "backup")
	if res := warden(t, "backup", "--data", f.data, backup); res.code != 0 {
		t.Fatalf("backup: exit %d: %s %s", res.code, res.stdout, res.stderr)
	}
	f.sendAll(half, len(f.batches))
	f.svc.waitProcessed(t, f.events())
	f.svc.kill(t)

	db := filepath.Join(f.data, "warden.db")
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 2; i < len(b)/2+16384 && i < len(b); i++ {
		b[i] = byte(i * 13)
	}
	os.WriteFile(db, b, 0o600)
	f.refusedStart("store is damaged", "warden restore")
	if res := warden(t, "restore", backup, "--data", f.data, "--store-only"); res.code != 0 {
		t.Fatalf("restore: exit %d: %s %s", res.code, res.stdout, res.stderr)
	}
	f.start()
	f.check("store damaged, restored from a backup")
}

// A backup taken while batches are coming in, restored into a new
// directory: the restored service holds exactly the batches the backup's
// log holds, with the alerts of an uninterrupted replay of them, the
// silence and the acknowledgement.
func TestFaultBackupUnderLoad(t *testing.T) {
	f := newFaultRun(t, "")
	f.config("storage: {segment_bytes: 1MiB, checkpoint_every: 200ms}\n")
	f.start()
	half := len(f.batches) * 3 / 5
	f.sendAll(0, half)
	f.svc.waitProcessed(t, f.events())
	f.ackOne()
	backup := filepath.Join(f.dir, "backup")
	done := make(chan result, 1)
	go func() {
		time.Sleep(30 * time.Millisecond)
		done <- warden(t, "backup", "--data", f.data, backup)
	}()
	f.sendAll(half, len(f.batches))
	if res := <-done; res.code != 0 {
		t.Fatalf("backup: exit %d: %s %s", res.code, res.stdout, res.stderr)
	}
	f.svc.stop(t)

	var m manifest
	raw, _ := os.ReadFile(filepath.Join(backup, manifestFile))
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Records < int64(half) || m.Records > int64(len(f.accepted)) {
		t.Fatalf("the backup holds %d batches; %d were sent before it began, %d in all", m.Records, half, len(f.accepted))
	}
	restored := filepath.Join(f.dir, "restored")
	if res := warden(t, "restore", backup, "--data", restored); res.code != 0 {
		t.Fatalf("restore: exit %d: %s %s", res.code, res.stdout, res.stderr)
	}
	f.data = restored
	f.svc = startService(t, f.data, f.args...)
	f.checkAgainst("backup under load, restored", f.accepted[:m.Records])
}
