package monitor_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/pipeline"
)

// BenchmarkPipelineDrift pushes events with 20 numeric features through the
// pipeline with the default drift windows (last 1000 events, every 100): the
// work behind POST /v1/events once the batch is decoded and logged. The
// timer runs until every event is processed and every window evaluated,
// not only until the last batch is queued.
func BenchmarkPipelineDrift(b *testing.B) { benchPipeline(b, true, false) }

// BenchmarkPipelineOutliers screens every such event with the outlier
// detector instead.
func BenchmarkPipelineOutliers(b *testing.B) { benchPipeline(b, false, true) }

// BenchmarkPipelineDriftAndOutliers runs both, as the defaults do.
func BenchmarkPipelineDriftAndOutliers(b *testing.B) { benchPipeline(b, true, true) }

func benchPipeline(b *testing.B, driftOn, outliersOn bool) {
	const features = 20
	r := rand.New(rand.NewPCG(1, 2))
	var csv strings.Builder
	for i := range features {
		if i > 0 {
			csv.WriteByte(',')
		}
		fmt.Fprintf(&csv, "f%d", i)
	}
	csv.WriteByte('\n')
	for range 10000 {
		for i := range features {
			if i > 0 {
				csv.WriteByte(',')
			}
			fmt.Fprintf(&csv, "%.4f", r.NormFloat64())
		}
		csv.WriteByte('\n')
	}
	tab, err := dataset.Read(strings.NewReader(csv.String()), "ref.csv", dataset.Options{})
	if err != nil {
		b.Fatal(err)
	}
	m := config.DefaultModel()
	m.Name = "bench"
	m.Drift.Enabled, m.Outliers.Enabled = driftOn, outliersOn
	ref, err := monitor.BuildReference(tab, &m)
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]event.Event, 1000)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range batch {
		fs := make([]event.Feature, features)
		for j := range fs {
			fs[j] = event.Feature{Name: fmt.Sprintf("f%d", j), Value: event.NumberValue(r.NormFloat64())}
		}
		batch[i] = event.Event{Model: "bench", User: fmt.Sprintf("u%d", i%97), Features: fs}
	}
	cfg := config.Default()
	cfg.Models = []config.Model{m}
	sink := monitor.NewCollector(alert.NewManager(monitor.Policy(cfg)))
	pm, err := monitor.NewModel(&cfg.Models[0], ref, 2, monitor.ModelThresholds(cfg, &cfg.Models[0]), monitor.Hooks{})
	if err != nil {
		b.Fatal(err)
	}
	seen := &observed{}
	pm.Detectors = append(pm.Detectors, seen)
	p, err := pipeline.New(pipeline.Options{Shards: 2, QueueSize: 1 << 16, Sink: sink}, []pipeline.Model{pm})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	n := 0
	// b.N rather than b.Loop: b.Loop stops the timer when the last batch
	// is queued, and the drain below is part of the work.
	for range b.N {
		evs := make([]event.Event, len(batch))
		copy(evs, batch)
		for i := range evs {
			evs[i].Time = t0.Add(time.Duration(n) * time.Millisecond)
			n++
		}
		for {
			err := p.Submit(context.Background(), evs)
			if err == nil {
				break
			}
			if !errors.Is(err, pipeline.ErrBusy) {
				b.Fatal(err)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	// Close returns once every queued event is processed and every pane
	// marked is closed (evaluated).
	p.Close(false)
	b.StopTimer()
	if got := seen.n.Load(); got != int64(n) || p.Dropped() != 0 {
		b.Fatalf("%d of %d events processed, %d dropped", got, n, p.Dropped())
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// observed counts the events the pipeline has processed.
type observed struct{ n atomic.Int64 }

func (o *observed) Name() string { return "observed" }

func (o *observed) Observe(int, *pipeline.Sequenced) []alert.Finding { o.n.Add(1); return nil }
