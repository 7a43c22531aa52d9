// Package detectortest is the conformance suite every detector passes, as
// storetest is the store's: a detector's test builds its pipeline model and
// a stream it raises findings on, and Run checks what the rest of Warden
// relies on.
//
//   - The same findings however the stream is sharded and interleaved.
//   - A checkpoint taken mid-stream and restored into a new pipeline gives
//     the same findings as an uninterrupted run.
//   - Replaying logged events gives what ingesting them gave.
//   - No wall clock: the stream moved thirty years on gives the same
//     findings, moved with it.
//   - Bounded state: with Flood, a stream of ever new keys (users), the
//     checkpoint stays within MaxStateBytes.
package detectortest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/pipeline"
)

// Subject is a detector under test.
type Subject struct {
	// NewModel builds the model that carries the detector, for a pipeline
	// of the given number of shards.
	NewModel func(t testing.TB, shards int) pipeline.Model
	// Events is a stream, in order, on which the detector raises findings.
	Events []event.Event
	// Flood, when set, is a stream of n events from n distinct users; with
	// it, the checkpoint after it must stay within MaxStateBytes.
	Flood         func(n int) []event.Event
	FloodEvents   int
	MaxStateBytes int
}

// Run runs the suite.
func Run(t *testing.T, s Subject) {
	t.Helper()
	if len(s.Events) == 0 {
		t.Fatal("detectortest: Subject.Events is empty")
	}
	base := run(t, s, 2, s.Events, false)
	if len(base) == 0 {
		t.Fatal("detectortest: the detector raised no finding on Subject.Events; the suite would prove nothing")
	}
	t.Run("Shards", func(t *testing.T) {
		for _, shards := range []int{1, 2, 3, 8} {
			if got := run(t, s, shards, s.Events, false); !slices.Equal(got, base) {
				t.Errorf("%d shards: %s", shards, diff(got, base))
			}
		}
	})
	t.Run("CheckpointRestore", func(t *testing.T) {
		for _, cut := range []int{len(s.Events) / 3, len(s.Events) / 2, len(s.Events) * 4 / 5} {
			if got := runWithCheckpoint(t, s, 2, cut); !slices.Equal(got, base) {
				t.Errorf("checkpoint after %d of %d events: %s", cut, len(s.Events), diff(got, base))
			}
		}
	})
	t.Run("ReplayEqualsIngest", func(t *testing.T) {
		if got := run(t, s, 2, s.Events, true); !slices.Equal(got, base) {
			t.Errorf("replayed: %s", diff(got, base))
		}
	})
	t.Run("NoWallClock", func(t *testing.T) {
		const shift = 30 * 365 * 24 * time.Hour
		moved := make([]event.Event, len(s.Events))
		for i, ev := range s.Events {
			ev.Time = ev.Time.Add(shift)
			moved[i] = ev
		}
		got := run(t, s, 2, moved, false)
		want := shiftKeys(base, shift)
		if !slices.Equal(got, want) {
			t.Errorf("thirty years on: %s", diff(got, want))
		}
	})
	if s.Flood != nil {
		t.Run("BoundedState", func(t *testing.T) {
			size := stateAfter(t, s, s.Flood(s.FloodEvents))
			t.Logf("after %d events of distinct users the checkpoint is %d bytes", s.FloodEvents, size)
			if size > s.MaxStateBytes {
				t.Errorf("after %d events of distinct users the checkpoint is %d bytes; the bound is %d", s.FloodEvents, size, s.MaxStateBytes)
			}
		})
	}
}

// collector keeps findings and pipeline errors.
type collector struct {
	mu       sync.Mutex
	findings []alert.Finding
	errs     []error
}

func (c *collector) Findings(fs []alert.Finding) {
	c.mu.Lock()
	c.findings = append(c.findings, fs...)
	c.mu.Unlock()
}

func (c *collector) Error(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

// keys are the findings, comparable and sorted: the order findings of
// different shards reach the sink is not the detector's to fix.
func (c *collector) keys(t testing.TB) []string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := errors.Join(c.errs...); err != nil {
		t.Fatalf("pipeline errors: %v", err)
	}
	out := make([]string, len(c.findings))
	for i, f := range c.findings {
		out[i] = key(f)
	}
	slices.Sort(out)
	return out
}

func key(f alert.Finding) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%.9g", f.Time.UTC().Format(time.RFC3339Nano), f.Model, f.Kind, f.Subject, f.Severity, f.Score)
}

// shiftKeys moves the times of keys by d.
func shiftKeys(keys []string, d time.Duration) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		at, rest, _ := strings.Cut(k, "|")
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			out[i] = k
			continue
		}
		out[i] = t.Add(d).UTC().Format(time.RFC3339Nano) + "|" + rest
	}
	slices.Sort(out)
	return out
}

func newPipeline(t testing.TB, s Subject, shards int, sink pipeline.Sink, restore *pipeline.State) *pipeline.Pipeline {
	t.Helper()
	p, err := pipeline.New(pipeline.Options{Shards: shards, QueueSize: 1 << 17, Sink: sink, Restore: restore},
		[]pipeline.Model{s.NewModel(t, shards)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// feed submits events in batches of 500, or replays them.
func feed(t testing.TB, p *pipeline.Pipeline, events []event.Event, replay bool) {
	t.Helper()
	for start := 0; start < len(events); start += 500 {
		batch := events[start:min(start+500, len(events))]
		for {
			var err error
			if replay {
				err = p.Replay(context.Background(), batch)
			} else {
				err = p.Submit(context.Background(), batch)
			}
			if err == nil {
				break
			}
			if !errors.Is(err, pipeline.ErrBusy) {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

func run(t testing.TB, s Subject, shards int, events []event.Event, replay bool) []string {
	t.Helper()
	sink := &collector{}
	p := newPipeline(t, s, shards, sink, nil)
	feed(t, p, events, replay)
	p.Close(true)
	return sink.keys(t)
}

func runWithCheckpoint(t testing.TB, s Subject, shards, cut int) []string {
	t.Helper()
	sink := &collector{}
	p := newPipeline(t, s, shards, sink, nil)
	feed(t, p, s.Events[:cut], false)
	var state pipeline.State
	if err := p.Checkpoint(context.Background(), func(st pipeline.State) error { state = st; return nil }); err != nil {
		t.Fatal(err)
	}
	p.Close(false) // killed: what is open is lost with it
	q := newPipeline(t, s, shards, sink, &state)
	if fresh := q.Fresh(); len(fresh) > 0 {
		t.Fatalf("the restored pipeline started %v afresh", fresh)
	}
	feed(t, q, s.Events[cut:], false)
	q.Close(true)
	return sink.keys(t)
}

// stateAfter is the checkpoint's size after events.
func stateAfter(t testing.TB, s Subject, events []event.Event) int {
	t.Helper()
	p := newPipeline(t, s, 2, &collector{}, nil)
	defer p.Close(false)
	feed(t, p, events, false)
	size := 0
	if err := p.Checkpoint(context.Background(), func(st pipeline.State) error {
		size = len(st.Core)
		for _, part := range st.Parts {
			size += len(part)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return size
}

// diff says how two sorted finding lists differ, briefly.
func diff(got, want []string) string {
	var missing, extra []string
	for _, w := range want {
		if _, ok := slices.BinarySearch(got, w); !ok {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if _, ok := slices.BinarySearch(want, g); !ok {
			extra = append(extra, g)
		}
	}
	return fmt.Sprintf("%d findings, want %d; missing %v; extra %v", len(got), len(want), head(missing), head(extra))
}

func head(s []string) []string { return s[:min(3, len(s))] }
