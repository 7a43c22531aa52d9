package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/pipeline"
)

// counter is a windowed detector that counts events per pane and shard and
// records the panes it closes.
type counter struct {
	mu     sync.Mutex
	open   map[[2]int64]int // (shard, spec<<32|pane) -> events
	closed []string
	block  chan struct{} // Observe waits on it when non-nil
}

func newCounter() *counter { return &counter{open: map[[2]int64]int{}} }

func (c *counter) Name() string { return "counter" }

func (c *counter) Observe(shard int, ev *pipeline.Sequenced) []alert.Finding {
	if c.block != nil {
		<-c.block
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for spec, pane := range ev.Panes {
		if pane != pipeline.Late {
			c.open[[2]int64{int64(shard), int64(spec)<<32 | pane}]++
		}
	}
	return nil
}

func (c *counter) Cut(shard int, m *pipeline.Marker) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := [2]int64{int64(shard), int64(m.Spec)<<32 | m.Index}
	n := c.open[k]
	delete(c.open, k)
	return n
}

func (c *counter) Close(m *pipeline.Marker, parts []any) ([]alert.Finding, error) {
	total := 0
	for _, p := range parts {
		total += p.(int)
	}
	c.mu.Lock()
	c.closed = append(c.closed, fmt.Sprintf("spec %d pane %d: %d events (marker %d), seq %d-%d, late %d",
		m.Spec, m.Index, total, m.Events, m.FirstSeq, m.LastSeq, m.Late))
	c.mu.Unlock()
	return []alert.Finding{{Kind: alert.KindDrift, Model: m.Model, Subject: fmt.Sprint(m.Index), Time: m.End}}, nil
}

type sink struct {
	mu       sync.Mutex
	findings []alert.Finding
	errs     []error
}

func (s *sink) Findings(fs []alert.Finding) {
	s.mu.Lock()
	s.findings = append(s.findings, fs...)
	s.mu.Unlock()
}
func (s *sink) Error(err error) { s.mu.Lock(); s.errs = append(s.errs, err); s.mu.Unlock() }

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func events(n int, step time.Duration) []event.Event {
	out := make([]event.Event, n)
	for i := range out {
		out[i] = event.Event{ID: fmt.Sprint(i), Model: "m", User: fmt.Sprintf("u%d", i%7), Time: t0.Add(time.Duration(i) * step),
			Features: []event.Feature{{Name: "x", Value: event.NumberValue(float64(i))}}}
	}
	return out
}

func start(t *testing.T, opts pipeline.Options, d pipeline.Detector, specs ...pipeline.PaneSpec) *pipeline.Pipeline {
	t.Helper()
	p, err := pipeline.New(opts, []pipeline.Model{{Name: "m", Specs: specs, Lateness: time.Minute, Detectors: []pipeline.Detector{d}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCountAndTimePanes(t *testing.T) {
	c := newCounter()
	s := &sink{}
	p := start(t, pipeline.Options{Shards: 3, QueueSize: 1000, Sink: s}, c,
		pipeline.PaneSpec{Events: 100}, pipeline.PaneSpec{Step: 10 * time.Minute})
	evs := events(250, 10*time.Second) // 250 events over 41.5 minutes
	late := event.Event{ID: "late", Model: "m", User: "u", Time: t0.Add(time.Minute)}
	if err := p.Submit(context.Background(), evs[:200]); err != nil {
		t.Fatal(err)
	}
	if err := p.Submit(context.Background(), []event.Event{late}); err != nil {
		t.Fatal(err)
	}
	if err := p.Submit(context.Background(), evs[200:]); err != nil {
		t.Fatal(err)
	}
	p.Close(true)
	// Time panes are numbered by event time (Unix nanoseconds / step); they
	// close one minute of event time after they end, count panes on their
	// 100th event.
	base := t0.UnixNano() / int64(10*time.Minute)
	tp := func(i int64) int64 { return base + i }
	want := []string{
		fmt.Sprintf("spec 1 pane %d: 60 events (marker 60), seq 0-59, late 0", tp(0)),
		"spec 0 pane 0: 100 events (marker 100), seq 0-99, late 0",
		fmt.Sprintf("spec 1 pane %d: 60 events (marker 60), seq 60-119, late 0", tp(1)),
		fmt.Sprintf("spec 1 pane %d: 60 events (marker 60), seq 120-179, late 0", tp(2)),
		"spec 0 pane 1: 100 events (marker 100), seq 100-199, late 0",
		// The late event (seq 200) is counted against the next pane to close.
		fmt.Sprintf("spec 1 pane %d: 60 events (marker 60), seq 180-240, late 1", tp(3)),
		// Flushed at the end: the open count pane, then the open time pane.
		"spec 0 pane 2: 51 events (marker 51), seq 200-250, late 0",
		fmt.Sprintf("spec 1 pane %d: 10 events (marker 10), seq 241-250, late 0", tp(4)),
	}
	if len(c.closed) != len(want) {
		t.Fatalf("closed %d panes:\n%v", len(c.closed), c.closed)
	}
	for i := range want {
		if c.closed[i] != want[i] {
			t.Errorf("pane %d: %s\n want %s", i, c.closed[i], want[i])
		}
	}
	if len(s.findings) != len(want) || len(s.errs) > 0 {
		t.Errorf("%d findings, errors %v", len(s.findings), s.errs)
	}
}

// The order in which panes close does not depend on how the workers
// interleave.
func TestDeterministicOrder(t *testing.T) {
	var first []string
	for run := range 5 {
		c := newCounter()
		p := start(t, pipeline.Options{Shards: 4, QueueSize: 100, Sink: &sink{}}, c, pipeline.PaneSpec{Events: 7}, pipeline.PaneSpec{Step: time.Minute})
		evs := events(1000, 3*time.Second)
		for i := 0; i < len(evs); i += 50 {
			for {
				err := p.Submit(context.Background(), evs[i:i+50])
				if err == nil {
					break
				}
				if !errors.Is(err, pipeline.ErrBusy) {
					t.Fatal(err)
				}
				time.Sleep(time.Millisecond)
			}
		}
		p.Close(true)
		if run == 0 {
			first = c.closed
			continue
		}
		if fmt.Sprint(c.closed) != fmt.Sprint(first) {
			t.Fatalf("run %d closed panes in another order", run)
		}
	}
}

func TestBackpressureAndRejections(t *testing.T) {
	c := newCounter()
	c.block = make(chan struct{})
	p := start(t, pipeline.Options{Shards: 1, QueueSize: 10, Sink: &sink{}}, c, pipeline.PaneSpec{Events: 5})
	ctx := context.Background()
	if err := p.Submit(ctx, events(10, time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := p.Submit(ctx, events(1, time.Second)); !errors.Is(err, pipeline.ErrBusy) {
		t.Fatalf("full queue: err = %v, want ErrBusy", err)
	}
	close(c.block)
	bad := events(2, time.Second)
	bad[1].Model = "other"
	if err := p.Submit(ctx, bad); err == nil {
		t.Error("unknown model accepted")
	}
	bad = events(1, time.Second)
	bad[0].Time = time.Time{}
	if err := p.Submit(ctx, bad); err == nil {
		t.Error("event without time accepted")
	}
	p.Close(false)
	if err := p.Submit(ctx, events(1, time.Second)); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

type memLog struct {
	mu      sync.Mutex
	records [][]byte
	fail    error
}

func (l *memLog) Append(recs ...[]byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return l.fail
	}
	for _, r := range recs {
		l.records = append(l.records, bytes.Clone(r))
	}
	return nil
}

// Batches reach the log, in a form the event decoder reads back, before
// Submit returns; a log failure fails the submission and processes nothing.
func TestLogBeforeProcessing(t *testing.T) {
	log := &memLog{}
	c := newCounter()
	p := start(t, pipeline.Options{Shards: 2, QueueSize: 100, Log: log, Sink: &sink{}}, c, pipeline.PaneSpec{Events: 10})
	evs := events(20, time.Second)
	if err := p.Submit(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	var all bytes.Buffer
	for _, r := range log.records {
		all.Write(r)
	}
	log.mu.Unlock()
	back, rejected, err := event.NewDecoder(event.DefaultLimits()).Decode(&all, nil)
	if err != nil || len(rejected) > 0 || len(back) != len(evs) {
		t.Fatalf("log holds %d events (%v, %v), want %d", len(back), err, rejected, len(evs))
	}
	for i := range back {
		if back[i].ID != evs[i].ID || !back[i].Time.Equal(evs[i].Time) {
			t.Fatalf("logged event %d = %+v, want %+v", i, back[i], evs[i])
		}
	}
	log.mu.Lock()
	log.fail = errors.New("disk full")
	log.mu.Unlock()
	if err := p.Submit(context.Background(), events(5, time.Second)); err == nil || err.Error() != "disk full" {
		t.Errorf("log failure: err = %v", err)
	}
	p.Close(true)
	if len(c.closed) != 2 {
		t.Errorf("closed %v: the failed batch must not be processed", c.closed)
	}
}

// statefulCounter is a counter whose open panes survive a checkpoint.
type statefulCounter struct{ *counter }

func (c statefulCounter) Snapshot() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	open := map[string]int{}
	for k, n := range c.open {
		open[fmt.Sprintf("%d/%d", k[0], k[1])] = n
	}
	return json.Marshal(open)
}

func (c statefulCounter) Restore(b []byte) error {
	var open map[string]int
	if err := json.Unmarshal(b, &open); err != nil {
		return err
	}
	for k, n := range open {
		var a, b int64
		fmt.Sscanf(k, "%d/%d", &a, &b)
		c.open[[2]int64{a, b}] = n
	}
	return nil
}

// A pipeline restored from a checkpoint and given the events after it
// closes the same panes, with the same contents, as one that never stopped.
func TestCheckpointRestore(t *testing.T) {
	specs := []pipeline.PaneSpec{{Events: 70}, {Step: 5 * time.Minute}}
	evs := events(1000, 2*time.Second)
	ctx := context.Background()

	whole := statefulCounter{newCounter()}
	p := start(t, pipeline.Options{Shards: 3, QueueSize: 1000, Sink: &sink{}}, whole, specs...)
	if err := p.Submit(ctx, evs[:430]); err != nil {
		t.Fatal(err)
	}
	var state pipeline.State
	var closedAtCheckpoint int
	if err := p.Checkpoint(ctx, func(s pipeline.State) error {
		state = s
		closedAtCheckpoint = len(whole.closed) // quiescent: every pane so far is closed
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Submit(ctx, evs[430:]); err != nil {
		t.Fatal(err)
	}
	p.Close(true)
	if _, ok := state.Parts[pipeline.PartName("m", "counter")]; !ok || len(state.Parts) != 1 {
		t.Fatalf("parts %v, want the counter's alone", slices.Collect(maps.Keys(state.Parts)))
	}
	want := whole.closed[closedAtCheckpoint:]
	if len(want) == 0 {
		t.Fatal("no pane closed after the checkpoint: the test proves nothing")
	}

	// A checkpoint written before detectors had parts of their own holds
	// their state in the core.
	var core map[string]map[string]map[string]json.RawMessage
	if err := json.Unmarshal(state.Core, &core); err != nil {
		t.Fatal(err)
	}
	detectors, err := json.Marshal(map[string]json.RawMessage{"counter": state.Parts[pipeline.PartName("m", "counter")]})
	if err != nil {
		t.Fatal(err)
	}
	core["models"]["m"]["detectors"] = detectors
	inline, err := json.Marshal(core)
	if err != nil {
		t.Fatal(err)
	}
	for _, restore := range []struct {
		name  string
		state pipeline.State
	}{{"parts", state}, {"detectors in the core", pipeline.State{Core: inline}}} {
		resumed := statefulCounter{newCounter()}
		q, err := pipeline.New(pipeline.Options{Shards: 3, QueueSize: 1000, Sink: &sink{}, Restore: &restore.state},
			[]pipeline.Model{{Name: "m", Specs: specs, Lateness: time.Minute, Detectors: []pipeline.Detector{resumed}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Fresh()) != 0 {
			t.Errorf("%s: fresh models %v", restore.name, q.Fresh())
		}
		if err := q.Submit(ctx, evs[430:]); err != nil {
			t.Fatal(err)
		}
		q.Close(true)
		if fmt.Sprint(resumed.closed) != fmt.Sprint(want) {
			t.Errorf("after restore from %s:\n%v\nwithout stopping:\n%v", restore.name, resumed.closed, want)
		}
	}

	// Changed pane specs start afresh.
	r, err := pipeline.New(pipeline.Options{Shards: 1, QueueSize: 10, Sink: &sink{}, Restore: &state},
		[]pipeline.Model{{Name: "m", Specs: specs[:1], Detectors: []pipeline.Detector{statefulCounter{newCounter()}}}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.Fresh()) != "[m]" {
		t.Errorf("fresh %v, want [m]", r.Fresh())
	}
	r.Close(false)
}

// Events out of time order (batches from several clients) give count panes
// that span their earliest to latest event.
func TestCountPaneSpansOutOfOrderEvents(t *testing.T) {
	c := newCounter()
	var got []*pipeline.Marker
	p := start(t, pipeline.Options{Shards: 2, QueueSize: 100, Sink: &sink{}}, &markerSpy{counter: c, seen: &got}, pipeline.PaneSpec{Events: 4})
	evs := events(4, time.Minute)
	evs[0].Time, evs[3].Time = evs[3].Time, evs[0].Time // the last event is the earliest
	if err := p.Submit(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	p.Close(false)
	if len(got) != 1 {
		t.Fatalf("%d panes closed", len(got))
	}
	if m := got[0]; !m.Start.Equal(t0) || !m.End.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("pane spans %s to %s, want %s to %s", m.Start, m.End, t0, t0.Add(3*time.Minute))
	}
}

// markerSpy records the markers its counter closes.
type markerSpy struct {
	*counter
	seen *[]*pipeline.Marker
}

func (m *markerSpy) Close(mk *pipeline.Marker, parts []any) ([]alert.Finding, error) {
	*m.seen = append(*m.seen, mk)
	return m.counter.Close(mk, parts)
}

// One busy shard does not hold up admission: with every event on one shard
// and its detector stalled, submissions return, and once the permits are
// gone they are refused with ErrBusy rather than left hanging.
func TestSkewedShardDoesNotBlockSubmit(t *testing.T) {
	c := newCounter()
	c.block = make(chan struct{})
	defer close(c.block)
	p := start(t, pipeline.Options{Shards: 4, QueueSize: 1000, Sink: &sink{}}, c, pipeline.PaneSpec{Events: 100})
	evs := events(3500, time.Millisecond)
	for i := range evs {
		evs[i].User = "the-one-user"
	}
	done := make(chan error, 1)
	go func() {
		for i := 0; i < len(evs); i += 500 {
			if err := p.Submit(context.Background(), evs[i:i+500]); err != nil {
				done <- err
				return
			}
		}
		done <- p.Submit(context.Background(), events(1000, time.Millisecond))
	}()
	select {
	case err := <-done:
		if !errors.Is(err, pipeline.ErrBusy) {
			t.Errorf("after the permits are used: %v, want ErrBusy", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Submit blocked behind one shard")
	}
}

// Record returns before the log append, yet its batches are logged and
// processed in order with Submit's; a log failure reaches the sink.
func TestRecordIsLoggedInOrder(t *testing.T) {
	log := &memLog{}
	c := newCounter()
	sk := &sink{}
	p := start(t, pipeline.Options{Shards: 2, QueueSize: 100, Log: log, Sink: sk}, c, pipeline.PaneSpec{Events: 10})
	evs := events(30, time.Second)
	if err := p.Record(evs[:10]); err != nil {
		t.Fatal(err)
	}
	for i := 10; i < 20; i++ {
		if err := p.Record(evs[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	// Submit waits for its own batch, so for every one queued before it.
	if err := p.Submit(context.Background(), evs[20:30]); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	log.fail = errors.New("disk full")
	log.mu.Unlock()
	if err := p.Record(events(5, time.Second)); err != nil {
		t.Fatalf("Record reports log failures to the sink, not the caller: %v", err)
	}
	p.Close(true)
	var all bytes.Buffer
	for _, r := range log.records {
		all.Write(r)
	}
	back, _, _ := event.NewDecoder(event.DefaultLimits()).Decode(&all, nil)
	if len(back) != 30 {
		t.Fatalf("log holds %d events, want 30", len(back))
	}
	for i := range back {
		if back[i].ID != evs[i].ID {
			t.Fatalf("logged event %d is %s, want %s", i, back[i].ID, evs[i].ID)
		}
	}
	if len(c.closed) != 3 {
		t.Errorf("closed %v, want the 3 panes of the 30 logged events", c.closed)
	}
	var nl *pipeline.NotLoggedError
	if len(sk.errs) != 1 || !strings.Contains(sk.errs[0].Error(), "disk full") || !errors.As(sk.errs[0], &nl) || nl.Events != 5 {
		t.Errorf("sink errors %v, want the log failure of 5 events", sk.errs)
	}
	if err := p.Record(evs[:1]); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Record after Close: %v", err)
	}
}

// waitQueued waits until the byte budget has n bytes taken.
func waitQueued(t *testing.T, p *pipeline.Pipeline, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.QueuedBytes() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes queued, want %d", p.QueuedBytes(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Options.QueueBytes bounds what events in flight and reservations for
// batches being decoded take: past it, Submit and Reserve answer ErrBusy,
// and every byte comes back once the events are processed.
func TestQueueBytes(t *testing.T) {
	evs := events(100, time.Second)
	var cost int64
	for i := range evs {
		cost += evs[i].Footprint()
	}
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, p *pipeline.Pipeline, c *counter)
	}{
		{"submit estimates", func(t *testing.T, p *pipeline.Pipeline, c *counter) {
			if err := p.Submit(ctx, evs); err != nil {
				t.Fatal(err)
			}
			waitQueued(t, p, cost)
			if err := p.Submit(ctx, events(110, time.Second)); !errors.Is(err, pipeline.ErrBusy) {
				t.Errorf("over the budget: %v, want ErrBusy", err)
			}
			if err := p.Reserve(3 * cost); !errors.Is(err, pipeline.ErrBusy) {
				t.Errorf("reserving past the budget: %v, want ErrBusy", err)
			}
			close(c.block)
			waitQueued(t, p, 0)
			if err := p.Submit(ctx, evs[:60]); err != nil {
				t.Errorf("after the queue drained: %v", err)
			}
		}},
		{"reservations carry over", func(t *testing.T, p *pipeline.Pipeline, c *counter) {
			if err := p.Reserve(cost); err != nil {
				t.Fatal(err)
			}
			if err := p.Reserve(cost); err != nil {
				t.Fatal(err)
			}
			if err := p.Reserve(1); !errors.Is(err, pipeline.ErrBusy) {
				t.Fatalf("third reservation: %v, want ErrBusy", err)
			}
			p.Release(cost)
			if err := p.SubmitReserved(ctx, evs, cost); err != nil {
				t.Fatal(err)
			}
			waitQueued(t, p, cost)
			close(c.block)
			waitQueued(t, p, 0)
		}},
		{"refused reservations come back", func(t *testing.T, p *pipeline.Pipeline, c *counter) {
			close(c.block)
			if err := p.Reserve(cost); err != nil {
				t.Fatal(err)
			}
			bad := events(1, time.Second)
			bad[0].Model = "other"
			if err := p.SubmitReserved(ctx, bad, cost); err == nil {
				t.Fatal("unknown model accepted")
			}
			waitQueued(t, p, 0)
		}},
		{"a batch larger than the budget gets in alone", func(t *testing.T, p *pipeline.Pipeline, c *counter) {
			big := events(250, time.Second)
			if err := p.Submit(ctx, big); err != nil {
				t.Fatal(err)
			}
			waitQueued(t, p, 2*cost)
			if err := p.Submit(ctx, evs[:1]); !errors.Is(err, pipeline.ErrBusy) {
				t.Errorf("behind a batch that takes the budget: %v, want ErrBusy", err)
			}
			close(c.block)
			waitQueued(t, p, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCounter()
			c.block = make(chan struct{})
			p := start(t, pipeline.Options{Shards: 2, QueueSize: 1000, QueueBytes: 2 * cost, Sink: &sink{}}, c, pipeline.PaneSpec{Events: 10})
			defer p.Close(false)
			tt.run(t, p, c)
		})
	}
}

// A batch larger than the log takes is refused before it is logged, and
// what it held of the queue comes back.
func TestMaxRecordBytes(t *testing.T) {
	log := &memLog{}
	c := newCounter()
	p := start(t, pipeline.Options{Shards: 1, QueueSize: 100, QueueBytes: 1 << 20, MaxRecordBytes: 1000, Log: log, Sink: &sink{}}, c, pipeline.PaneSpec{Events: 10})
	defer p.Close(false)
	err := p.Submit(context.Background(), events(50, time.Second))
	if !errors.Is(err, pipeline.ErrTooLarge) || !strings.Contains(err.Error(), "in one record (1000 bytes)") {
		t.Fatalf("err %v, want ErrTooLarge", err)
	}
	if p.InFlight() != 0 || p.QueuedBytes() != 0 || len(log.records) != 0 {
		t.Errorf("after refusing: %d in flight, %d bytes queued, %d records", p.InFlight(), p.QueuedBytes(), len(log.records))
	}
	if err := p.Submit(context.Background(), events(5, time.Second)); err != nil {
		t.Errorf("a small batch: %v", err)
	}
}
