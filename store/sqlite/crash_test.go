package sqlite

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/store"
	"github.com/warden-ml/warden/store/eventlog"
)

// The crash test re-runs this test binary as a child that writes to a
// store and an event log until it is killed with SIGKILL. The child
// prints each write after the call returns; the parent then checks that
// every printed write survived.
const (
	crashDirEnv   = "WARDEN_CRASH_CHILD_DIR"
	crashRoundEnv = "WARDEN_CRASH_CHILD_ROUND"
)

const (
	crashAppenders   = 3
	crashBatch       = 40
	crashSegmentSize = 1 << 20
)

var crashBase = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

func TestCrashRecovery(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		round, _ := strconv.Atoi(os.Getenv(crashRoundEnv))
		crashChild(dir, round) // never returns
	}
	rounds := 6
	if testing.Short() {
		rounds = 3
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	for round := range rounds {
		lines := runAndKill(t, dir, round, time.Duration(20+rng.IntN(300))*time.Millisecond)
		checkCrashState(t, dir, round, lines)
	}
}

// runAndKill starts a child and kills it delay after its first reported
// write; it returns the lines the child printed.
func runAndKill(t *testing.T, dir string, round int, delay time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRecovery$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashRoundEnv+"="+strconv.Itoa(round))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	started := make(chan struct{}) // closed at the first checkpoint: every kind of write has happened
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		checkpointed := false
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if !checkpointed && strings.HasPrefix(sc.Text(), "checkpoint") {
				checkpointed = true
				close(started)
			}
		}
	}()
	select {
	case <-started:
	case <-done:
	case <-time.After(60 * time.Second):
		t.Error("the child reported no checkpoint for 60 s")
	}
	time.Sleep(delay)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	<-done
	for _, l := range lines {
		if strings.HasPrefix(l, "error ") {
			t.Fatalf("round %d: child: %s", round, l)
		}
	}
	return lines
}

// crashChild writes until killed.
func crashChild(dir string, round int) {
	var outMu sync.Mutex
	report := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...) + "\n"
		outMu.Lock()
		os.Stdout.WriteString(line) // one write per line: the parent never sees half a line
		outMu.Unlock()
	}
	fail := func(err error) {
		report("error %v", err)
		os.Exit(2)
	}
	db, err := Open(filepath.Join(dir, "warden.db"))
	if err != nil {
		fail(err)
	}
	log, err := eventlog.Open(eventlog.Options{Dir: filepath.Join(dir, "log"), SegmentBytes: crashSegmentSize})
	if err != nil {
		fail(err)
	}
	for g := range crashAppenders {
		go func() {
			for i := 0; ; i++ {
				batch := make([][]byte, crashBatch)
				for j := range batch {
					batch[j] = fmt.Appendf(nil, "%d/%d/%d/%d %s", round, g, i, j, strings.Repeat("x", 150))
				}
				_, next, err := log.Append(batch...)
				if err != nil {
					fail(err)
				}
				report("log %d %d %d %d", g, i, next.Segment, next.Offset)
			}
		}()
	}
	ctx := context.Background()
	for i := 0; ; i++ {
		id := fmt.Sprintf("%d-%d", round, i)
		when := crashBase.Add(time.Duration(round)*time.Hour + time.Duration(i)*time.Millisecond)
		a := alert.Alert{ID: id, Fingerprint: fmt.Sprintf("fp-%d", i%7), Time: when, Type: alert.KindDrift, Severity: alert.High, Model: "m", Subject: "amount"}
		if _, _, err := db.UpsertAlert(ctx, a); err != nil {
			fail(err)
		}
		report("alert %s", id)
		seq := int64(round)*1_000_000 + int64(i)
		if err := db.AddWindow(ctx, store.Window{Model: "m", Kind: store.WindowTumbling, Start: when, End: when, FirstSeq: seq, LastSeq: seq, Events: 1}); err != nil {
			fail(err)
		}
		report("window %d", seq)
		if err := db.Enqueue(ctx, store.Delivery{Receiver: "webhook", AlertID: id, Payload: []byte(id)}); err != nil {
			fail(err)
		}
		report("delivery %s", id)
		pos, err := json.Marshal(log.End())
		if err != nil {
			fail(err)
		}
		if err := db.SaveCheckpoint(ctx, store.Checkpoint{Position: pos, State: []byte(id), At: when}); err != nil {
			fail(err)
		}
		report("checkpoint %d %d", round, i)
	}
}

// checkCrashState reopens what the killed child left and checks that every
// write it reported is there.
func checkCrashState(t *testing.T, dir string, round int, lines []string) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(filepath.Join(dir, "warden.db"))
	if err != nil {
		t.Fatalf("round %d: reopening the database: %v", round, err)
	}
	defer db.Close()
	log, err := eventlog.Open(eventlog.Options{Dir: filepath.Join(dir, "log"), SegmentBytes: crashSegmentSize})
	if err != nil {
		t.Fatalf("round %d: reopening the event log: %v", round, err)
	}
	defer log.Close()

	windows, err := db.Windows(ctx, store.WindowFilter{Model: "m", Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	haveWindow := map[int64]bool{}
	for _, w := range windows {
		haveWindow[w.LastSeq] = true
	}
	due, err := db.Due(ctx, crashBase.Add(1000*time.Hour), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	haveDelivery := map[string]bool{}
	for _, d := range due {
		haveDelivery[d.AlertID] = true
	}
	records := map[string]bool{}
	r, err := log.Reader(eventlog.Position{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, _, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("round %d: reading the recovered log: %v", round, err)
		}
		key, _, _ := strings.Cut(string(rec), " ")
		records[key] = true
	}
	r.Close()

	var counts = map[string]int{}
	lastCheckpoint := -1
	for _, l := range lines {
		f := strings.Fields(l)
		counts[f[0]]++
		switch f[0] {
		case "alert":
			if _, err := db.Alert(ctx, f[1]); err != nil {
				t.Errorf("round %d: reported alert %s: %v", round, f[1], err)
			}
		case "window":
			seq, _ := strconv.ParseInt(f[1], 10, 64)
			if !haveWindow[seq] {
				t.Errorf("round %d: reported window %d is missing", round, seq)
			}
		case "delivery":
			if !haveDelivery[f[1]] {
				t.Errorf("round %d: reported delivery of %s is missing", round, f[1])
			}
		case "checkpoint":
			lastCheckpoint, _ = strconv.Atoi(f[2])
		case "log":
			seg, _ := strconv.ParseUint(f[3], 10, 64)
			off, _ := strconv.ParseInt(f[4], 10, 64)
			if next := (eventlog.Position{Segment: seg, Offset: off}); log.End().Compare(next) < 0 {
				t.Errorf("round %d: log ends at %v, before reported append ending %v", round, log.End(), next)
			}
			for j := range crashBatch {
				if key := fmt.Sprintf("%d/%s/%s/%d", round, f[1], f[2], j); !records[key] {
					t.Fatalf("round %d: reported record %s is missing from the log", round, key)
				}
			}
		}
	}
	if counts["alert"] == 0 || counts["log"] == 0 {
		t.Errorf("round %d: the child reported %d alerts and %d appends before being killed; the test needs both", round, counts["alert"], counts["log"])
	}
	c, ok, err := db.LoadCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lastCheckpoint >= 0 {
		var i int
		if !ok || func() error { _, err := fmt.Sscanf(string(c.State), fmt.Sprintf("%d-%%d", round), &i); return err }() != nil || i < lastCheckpoint {
			t.Errorf("round %d: checkpoint %q, want %d-%d or later", round, c.State, round, lastCheckpoint)
		}
		var pos eventlog.Position
		if err := json.Unmarshal(c.Position, &pos); err != nil || log.End().Compare(pos) < 0 {
			t.Errorf("round %d: checkpoint position %s is past the recovered log end %v (%v)", round, c.Position, log.End(), err)
		}
	}
	t.Logf("round %d: %d alerts, %d windows, %d deliveries, %d checkpoints, %d appends reported; log end %v, %d bytes of torn tail dropped",
		round, counts["alert"], counts["window"], counts["delivery"], counts["checkpoint"], counts["log"], log.End(), log.Recovered())
}
