package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/pipeline"
)

// runPanes submits the batches in order and returns the panes the counter
// closed and the events the pipeline dropped.
func runPanes(t *testing.T, w pipeline.Watermark, batches ...[]event.Event) ([]string, int64) {
	t.Helper()
	c := newCounter()
	p, err := pipeline.New(pipeline.Options{Shards: 2, QueueSize: 10000, Sink: &sink{}, Watermark: w},
		[]pipeline.Model{{Name: "m", Specs: []pipeline.PaneSpec{{Events: 100}, {Step: time.Minute}}, Lateness: time.Minute,
			Detectors: []pipeline.Detector{c}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := p.Submit(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	p.Close(true)
	if p.Held() != 0 {
		t.Errorf("%d events still held after a flush", p.Held())
	}
	return c.closed, p.Dropped()
}

func from(user string, n int, at time.Time, step time.Duration) []event.Event {
	out := make([]event.Event, n)
	for i := range out {
		out[i] = event.Event{ID: fmt.Sprint(user, i), Model: "m", User: user, Time: at.Add(time.Duration(i) * step)}
	}
	return out
}

// Events far ahead of the traffic, from fewer users than the watermark
// needs, change nothing: the same panes close with the same events, and
// the far events are dropped at the end, counted.
func TestFarFutureEventsChangeNothing(t *testing.T) {
	traffic := events(600, 2*time.Second) // 20 minutes, 7 users
	year := t0.AddDate(1, 0, 0)
	tests := []struct {
		name  string
		extra []event.Event
	}{
		{"one event a year ahead", from("mallory", 1, year, 0)},
		{"one at 2300", from("mallory", 1, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), 0)},
		{"one at 9999", from("mallory", 1, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), 0)},
		{"a burst a year ahead from one user", from("eve", 50, year, time.Second)},
		{"a year ahead from two users", append(from("mallory", 1, year, 0), from("eve", 50, year, time.Second)...)},
	}
	want, dropped := runPanes(t, pipeline.Watermark{}, traffic)
	if dropped != 0 {
		t.Fatalf("plain traffic: %d dropped", dropped)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Mid-stream, so that the far events have the whole rest of the
			// traffic to disturb.
			got, dropped := runPanes(t, pipeline.Watermark{}, traffic[:300], tt.extra, traffic[300:])
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("panes with the far events:\n%v\nwithout:\n%v", got, want)
			}
			if dropped != int64(len(tt.extra)) {
				t.Errorf("dropped %d, want %d", dropped, len(tt.extra))
			}
		})
	}
}

// A gap in the traffic is no attack: the first events after it wait for
// the clock, then everything is processed and nothing is late.
func TestTrafficAfterAGap(t *testing.T) {
	before := events(300, 2*time.Second)
	after := events(300, 2*time.Second)
	for i := range after {
		after[i].Time = after[i].Time.Add(2 * time.Hour)
	}
	closed, dropped := runPanes(t, pipeline.Watermark{}, before, after)
	if dropped != 0 {
		t.Errorf("dropped %d", dropped)
	}
	total, late := 0, 0
	for _, c := range closed {
		var spec, events, late1 int
		var pane, first, last, marker int64
		fmt.Sscanf(c, "spec %d pane %d: %d events (marker %d), seq %d-%d, late %d", &spec, &pane, &events, &marker, &first, &last, &late1)
		if spec == 1 {
			total += events
			late += late1
		}
	}
	if total != 600 || late != 0 {
		t.Errorf("time panes hold %d events, %d late; want 600, none late:\n%v", total, late, closed)
	}
}

// A model with one user closes its time panes once the ring of recent
// events is full, and everything is processed.
func TestOneUserModel(t *testing.T) {
	evs := from("only", 1500, t0, time.Second)
	closed, dropped := runPanes(t, pipeline.Watermark{Recent: 100}, evs)
	if dropped != 0 || len(closed) != 15+25 {
		t.Errorf("dropped %d, closed %d panes, want 15 count and 25 time panes:\n%v", dropped, len(closed), closed)
	}
}

// A checkpoint taken while events are held keeps them: the restored
// pipeline closes the same panes as one that never stopped.
func TestCheckpointKeepsHeldEvents(t *testing.T) {
	specs := []pipeline.PaneSpec{{Events: 70}, {Step: 5 * time.Minute}}
	before := events(400, 2*time.Second)
	after := events(400, 2*time.Second)
	for i := range after {
		after[i].Time = after[i].Time.Add(3 * time.Hour)
	}
	ctx := context.Background()
	newPipe := func(restore *pipeline.State, d pipeline.Detector) *pipeline.Pipeline {
		p, err := pipeline.New(pipeline.Options{Shards: 3, QueueSize: 1000, Sink: &sink{}, Restore: restore},
			[]pipeline.Model{{Name: "m", Specs: specs, Lateness: time.Minute, Detectors: []pipeline.Detector{d}}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	whole := statefulCounter{newCounter()}
	p := newPipe(nil, whole)
	// The first two events after the gap wait for a third user.
	for _, b := range [][]event.Event{before, after[:2]} {
		if err := p.Submit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if p.Held() != 2 {
		t.Fatalf("held %d, want the 2 events after the gap", p.Held())
	}
	var state pipeline.State
	var closedAtCheckpoint int
	if err := p.Checkpoint(ctx, func(s pipeline.State) error { state, closedAtCheckpoint = s, len(whole.closed); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := p.Submit(ctx, after[2:]); err != nil {
		t.Fatal(err)
	}
	p.Close(true)

	resumed := statefulCounter{newCounter()}
	q := newPipe(&state, resumed)
	if q.Held() != 2 {
		t.Errorf("restored pipeline holds %d, want 2", q.Held())
	}
	if err := q.Submit(ctx, after[2:]); err != nil {
		t.Fatal(err)
	}
	q.Close(true)
	want := whole.closed[closedAtCheckpoint:]
	if len(want) == 0 || !slices.Equal(resumed.closed, want) {
		t.Errorf("after restore:\n%v\nwithout stopping:\n%v", resumed.closed, want)
	}
}

// Replacing a model keeps its clock and the events the clock holds.
func TestSetModelKeepsHeldEvents(t *testing.T) {
	c := newCounter()
	p := start(t, pipeline.Options{Shards: 1, QueueSize: 1000, Sink: &sink{}}, c, pipeline.PaneSpec{Events: 3})
	// Three users set the clock; a fourth's two events two hours ahead wait.
	evs := events(3, time.Second)
	for i := range 2 {
		evs = append(evs, event.Event{ID: fmt.Sprint("ahead-", i), Model: "m", User: "x", Time: t0.Add(2 * time.Hour),
			Features: []event.Feature{{Name: "x", Value: event.NumberValue(1)}}})
	}
	if err := p.Submit(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	if p.Held() != 2 {
		t.Fatalf("held %d of two events far ahead, want 2", p.Held())
	}
	c2 := newCounter()
	if err := p.SetModel(pipeline.Model{Name: "m", Specs: []pipeline.PaneSpec{{Events: 3}}, Detectors: []pipeline.Detector{c2}}); err != nil {
		t.Fatal(err)
	}
	// Two more users catch up with x: the clock moves to the held events,
	// which the new model then sees.
	var later []event.Event
	for _, u := range []string{"y", "z"} {
		later = append(later, event.Event{ID: u, Model: "m", User: u, Time: t0.Add(2 * time.Hour),
			Features: []event.Feature{{Name: "x", Value: event.NumberValue(1)}}})
	}
	if err := p.Submit(context.Background(), later); err != nil {
		t.Fatal(err)
	}
	p.Close(true)
	// The new model has the two held events and y's and z's: a pane of 3
	// and, at the end, one of 1.
	if len(c.closed) != 1 || len(c2.closed) != 2 || !strings.Contains(c2.closed[1], ": 1 events") || p.Dropped() != 0 {
		t.Errorf("old model closed %v, new one %v, dropped %d", c.closed, c2.closed, p.Dropped())
	}
}
