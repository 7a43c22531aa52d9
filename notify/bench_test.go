package notify_test

import (
	"context"
	"testing"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
)

// BenchmarkJSONLine formats a window's notification of four alerts.
func BenchmarkJSONLine(b *testing.B) {
	n := notify.Group(fixedWindow())[0]
	line, err := notify.JSONLine(n)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := notify.JSONLine(n); err != nil {
			b.Fatal(err)
		}
	}
}

// nop accepts every payload.
type nop struct{}

func (nop) Name() string                       { return "nop" }
func (nop) Send(context.Context, []byte) error { return nil }

// BenchmarkDispatcher measures enqueueing a one-alert notification for
// two receivers and delivering both items, in batches of 64.
func BenchmarkDispatcher(b *testing.B) {
	for _, kind := range outboxKinds {
		b.Run(kind.name, func(b *testing.B) {
			out, addAlert := kind.open(b)
			rec := newRecorder(out)
			d := notify.NewDispatcher(rec, []notify.Receiver{{Name: "a", Sender: nop{}}, {Name: "b", Sender: nop{}}},
				notify.DispatcherOptions{})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- d.Run(ctx) }()
			n := 0
			for b.Loop() {
				const batch = 64
				for range batch {
					a := testAlert(n, alert.High)
					n++
					addAlert(a)
					if err := d.Enqueue(ctx, one(a)); err != nil {
						b.Fatal(err)
					}
				}
				for range 2 * batch {
					if o := <-rec.outcomes; o.Kind != "delivered" {
						b.Fatalf("outcome %+v", o)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*n), "ns/delivery")
			cancel()
			<-done
		})
	}
}
