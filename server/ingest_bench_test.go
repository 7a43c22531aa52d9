package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/warden-ml/warden/config"
)

// BenchmarkIngest is POST /v1/events without the network: batches of 1,000
// events of 20 numeric features decoded, logged durably and queued, for a
// model without a reference (no detectors but the traffic count), so that
// the ingest path alone is measured. The timer runs until the server has
// processed every event (Close drains the pipeline), not only until the
// last batch is answered 202.
func BenchmarkIngest(b *testing.B) {
	s, hs := newServer(b, b.TempDir(), func(c *config.Config) { c.Pipeline.QueueSize = 1 << 20 })
	h := hs.Config.Handler
	if code, _, raw := call(b, "POST", hs.URL+"/v1/models", "application/json", []byte(`{"name":"`+model+`"}`)); code != http.StatusCreated {
		b.Fatalf("POST /v1/models: %d %s", code, raw)
	}
	var body bytes.Buffer
	for i := range 1000 {
		fmt.Fprintf(&body, `{"id":"e%d","model":%q,"user":"u%d","time":"2026-01-01T00:00:%02d.%03dZ","features":{`, i, model, i%97, i/1000, i%1000)
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
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// The test server's own address and a media type: the guard
			// refuses other hosts and bodies without one.
			req := httptest.NewRequest("POST", hs.URL+"/v1/events", bytes.NewReader(body.Bytes()))
			req.Header.Set("Content-Type", "application/x-ndjson")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusAccepted {
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
