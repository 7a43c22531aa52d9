package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/pipeline"
)

// FuzzRestore checks that no checkpoint, however damaged, panics: it is
// refused with an error, or restored into a pipeline that goes on working.
func FuzzRestore(f *testing.F) {
	specs := []pipeline.PaneSpec{{Events: 5}, {Step: time.Minute}}
	model := func() []pipeline.Model {
		return []pipeline.Model{{Name: "m", Specs: specs, Lateness: time.Minute, Detectors: []pipeline.Detector{statefulCounter{newCounter()}}}}
	}
	p, err := pipeline.New(pipeline.Options{Shards: 2, QueueSize: 100, Sink: &sink{}}, model())
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	gap := events(3, time.Second)
	for i := range gap {
		gap[i].Time = gap[i].Time.Add(3 * time.Hour)
	}
	for _, b := range [][]event.Event{events(40, 5*time.Second), gap[:2]} {
		if err := p.Submit(ctx, b); err != nil {
			f.Fatal(err)
		}
	}
	if err := p.Checkpoint(ctx, func(s pipeline.State) error { f.Add(s.Core); return nil }); err != nil {
		f.Fatal(err)
	}
	p.Close(false)
	f.Add([]byte(`{"models":{"m":{"specs":[{"Events":5,"Step":0},{"Events":0,"Step":60000000000}],"seq":1,"state":[{},{}],` +
		`"clock":{"now":"2300-01-01T00:00:00Z","recent":["a"],"latest":{"a":"0001-01-01T00:00:00Z"},"held":"{\"model\":\"x\"}\n"}}}}`))
	f.Fuzz(func(t *testing.T, state []byte) {
		q, err := pipeline.New(pipeline.Options{Shards: 2, QueueSize: 100, Sink: &sink{}, Restore: &pipeline.State{Core: state}}, model())
		if err != nil {
			return
		}
		if err := q.Submit(ctx, events(20, 5*time.Second)); err != nil && err != pipeline.ErrBusy {
			t.Errorf("after restoring: %v", err)
		}
		q.Close(true)
	})
}
