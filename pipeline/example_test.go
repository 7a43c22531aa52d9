package pipeline_test

import (
	"context"
	"fmt"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/pipeline"
)

// large reports every input above a limit as it is observed.
type large struct{ limit float64 }

func (large) Name() string { return "large" }

func (d large) Observe(_ int, ev *pipeline.Sequenced) []alert.Finding {
	if v, ok := ev.Feature("amount"); ok && v.Num > d.limit {
		return []alert.Finding{{Kind: alert.KindAdversarial, Severity: alert.High, Model: ev.Model, Subject: ev.User,
			Score: v.Num, Time: ev.Time}}
	}
	return nil
}

// printer is a sink that prints findings.
type printer struct{}

func (printer) Findings(fs []alert.Finding) {
	for _, f := range fs {
		fmt.Println(f.Kind, f.Subject, f.Score)
	}
}
func (printer) Error(err error) { fmt.Println("error:", err) }

func Example() {
	p, err := pipeline.New(pipeline.Options{Shards: 2, QueueSize: 100, Sink: printer{}},
		[]pipeline.Model{{Name: "m", Detectors: []pipeline.Detector{large{limit: 1000}}}})
	if err != nil {
		panic(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var batch []event.Event
	for i, amount := range []float64{12, 40, 5200, 18} {
		batch = append(batch, event.Event{Model: "m", User: fmt.Sprint("user_", i), Time: at.Add(time.Duration(i) * time.Second),
			Features: []event.Feature{{Name: "amount", Value: event.NumberValue(amount)}}})
	}
	if err := p.Submit(context.Background(), batch); err != nil {
		panic(err)
	}
	p.Close(true)
	// Output: adversarial user_2 5200
}
