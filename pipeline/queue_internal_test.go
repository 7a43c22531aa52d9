package pipeline

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/event"
)

// gate is a detector whose Observe waits until the gate is opened.
type gate struct{ open chan struct{} }

func (g *gate) Name() string                            { return "gate" }
func (g *gate) Observe(int, *Sequenced) []alert.Finding { <-g.open; return nil }

type nopSink struct{}

func (nopSink) Findings([]alert.Finding) {}
func (nopSink) Error(error)              {}

// Each shard's queue holds Options.QueueSize events and a fixed slack, so
// the queues' memory grows with the number of shards, not with its square.
func TestShardQueuesLinearInShards(t *testing.T) {
	const queue = 1000
	for _, shards := range []int{1, 2, 16, 32} {
		p, err := New(Options{Shards: shards, QueueSize: queue, Sink: nopSink{}}, []Model{{Name: "m"}})
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for i, sh := range p.shards {
			if cap(sh) != queue+shardSlack {
				t.Errorf("%d shards: shard %d holds %d items, want %d", shards, i, cap(sh), queue+shardSlack)
			}
			total += cap(sh)
		}
		if want := shards * (queue + shardSlack); total != want {
			t.Errorf("%d shards: the queues hold %d items, want %d", shards, total, want)
		}
		if got := p.InFlight(); got != 0 {
			t.Errorf("%d shards: %d in flight before any event", shards, got)
		}
		p.Close(false)
	}
}

// usersOn returns n users whose events go to the given shard.
func usersOn(p *Pipeline, shard, n int) []string {
	var out []string
	for i := 0; len(out) < n; i++ {
		u := fmt.Sprintf("u%d", i)
		if p.shardOf("m", u) == shard {
			out = append(out, u)
		}
	}
	return out
}

func batchFor(users []string, n int) []event.Event {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]event.Event, n)
	for i := range out {
		out[i] = event.Event{Model: "m", User: users[i%len(users)], Time: t0.Add(time.Duration(i) * time.Millisecond)}
	}
	return out
}

// A shard admits at most Options.QueueSize events. A batch that would take
// one shard past it is refused whole with ErrBusy, at once rather than
// waiting for room, and takes no permit on any other shard; one that fits
// every shard it touches gets in.
func TestShardBudget(t *testing.T) {
	const queue = 100
	g := &gate{open: make(chan struct{})}
	p, err := New(Options{Shards: 4, QueueSize: queue, Sink: nopSink{}},
		[]Model{{Name: "m", Specs: []PaneSpec{{Events: 1000}}, Detectors: []Detector{g}}})
	if err != nil {
		t.Fatal(err)
	}
	a, b := usersOn(p, 0, 3), usersOn(p, 1, 3)
	submit := func(evs []event.Event) error {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- p.Submit(context.Background(), evs) }()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Submit blocked")
			return nil
		}
	}

	// Larger than one shard's budget: never admitted, even with every
	// queue empty (and 4 x 100 permits in all), and said so at once.
	if err := submit(batchFor(a, queue+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a batch of %d events for one shard of %d: %v, want ErrTooLarge", queue+1, queue, err)
	}
	if got := p.InFlight(); got != 0 {
		t.Fatalf("after refusing: %d in flight, want 0", got)
	}

	// The worker of shard 0 stalls on its first event: its permits stay taken.
	if err := submit(batchFor(a, 60)); err != nil {
		t.Fatal(err)
	}
	// 50 more for shard 0 and 10 for shard 1: shard 0 has only 40 left, so
	// none of the batch is taken, not even shard 1's share.
	if err := submit(append(batchFor(a, 50), batchFor(b, 10)...)); !errors.Is(err, ErrBusy) {
		t.Fatalf("a batch over one shard's remaining budget: %v, want ErrBusy", err)
	}
	if got := p.InFlight(); got != 60 {
		t.Fatalf("after refusing: %d in flight, want 60", got)
	}
	for s := range p.permits {
		want := int64(queue)
		if s == 0 {
			want -= 60
		}
		if got := p.permits[s].n.Load(); got != want {
			t.Errorf("shard %d has %d permits, want %d", s, got, want)
		}
	}
	// What fits every shard it touches gets in, another shard's included.
	if err := submit(append(batchFor(a, 40), batchFor(b, queue)...)); err != nil {
		t.Fatalf("a batch that fits: %v", err)
	}
	if err := submit(batchFor(b, 1)); !errors.Is(err, ErrBusy) {
		t.Fatalf("one more event for a full shard: %v, want ErrBusy", err)
	}
	if err := submit(batchFor(usersOn(p, 2, 1), queue)); err != nil {
		t.Fatalf("an empty shard with two full ones: %v", err)
	}

	close(g.open)
	p.Close(false)
	if got := p.InFlight(); got != 0 {
		t.Errorf("after Close: %d in flight, want 0", got)
	}
}
