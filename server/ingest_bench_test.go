package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/warden-ml/warden/config"
)

// BenchmarkIngest is POST /v1/events without the network: batches of 1,000
// events of 20 numeric features decoded, logged durably and queued, for a
// model without a reference (no detectors but the traffic count), so that
// the ingest path alone is measured. The timer runs until the server has
// processed every event (Close drains the pipeline), not only until the
// last batch is answered 202.
func BenchmarkIngest(b *testing.B) { benchIngest(b, config.Default().Pipeline.DedupeIDs) }

// BenchmarkIngestNoDedupe is BenchmarkIngest with pipeline.dedupe_ids 0:
// the two side by side give what recognising repeated ids costs.
func BenchmarkIngestNoDedupe(b *testing.B) { benchIngest(b, 0) }

func benchIngest(b *testing.B, dedupeIDs int) {
	s, hs := newServer(b, b.TempDir(), func(c *config.Config) {
		c.Pipeline.QueueSize = 1 << 20
		c.Pipeline.DedupeIDs = dedupeIDs
	})
	h := hs.Config.Handler
	if code, _, raw := call(b, "POST", hs.URL+"/v1/models", "application/json", []byte(`{"name":"`+model+`"}`)); code != http.StatusCreated {
		b.Fatalf("POST /v1/models: %d %s", code, raw)
	}
	// Every request gets ids of its own, written into a fixed-width slot of
	// each event's id: the server processes a repeated id only once.
	const slot = "0000000000"
	var body bytes.Buffer
	var slots []int
	for i := range 1000 {
		body.WriteString(`{"id":"`)
		slots = append(slots, body.Len())
		fmt.Fprintf(&body, `%s-e%d","model":%q,"user":"u%d","time":"2026-01-01T00:00:%02d.%03dZ","features":{`, slot, i, model, i%97, i/1000, i%1000)
		for f := range 20 {
			if f > 0 {
				body.WriteByte(',')
			}
			fmt.Fprintf(&body, `"f%d":%d.%04d`, f, (i*7+f)%100, (i*31+f*17)%10000)
		}
		body.WriteString("}}\n")
	}
	b.SetBytes(int64(body.Len()))
	// Several batches at once, as from several clients: they share each
	// fsync (group commit), which would otherwise be all there is to see.
	b.SetParallelism(4)
	var sent atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, body.Len())
		for pb.Next() {
			copy(buf, body.Bytes())
			id := fmt.Sprintf("%0*d", len(slot), sent.Add(1))
			for _, at := range slots {
				copy(buf[at:], id)
			}
			// The test server's own address and a media type: the guard
			// refuses other hosts and bodies without one.
			req := httptest.NewRequest("POST", hs.URL+"/v1/events", bytes.NewReader(buf))
			req.Header.Set("Content-Type", "application/x-ndjson")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			var res struct{ Accepted, Duplicates int }
			if w.Code != http.StatusAccepted || json.Unmarshal(w.Body.Bytes(), &res) != nil || res.Accepted != 1000 || res.Duplicates != 0 {
				b.Errorf("%d %s", w.Code, w.Body)
				return
			}
		}
	})
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/event")
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
}
