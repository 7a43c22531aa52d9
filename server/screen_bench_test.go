package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"
)

// screenLatencies posts n screen requests one after another, as a gateway
// checking each request does, and returns their round-trip times.
func screenLatencies(tb testing.TB, base string, n int) []time.Duration {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	out := make([]time.Duration, 0, n)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		// Event time advances 10 ms a request, a gateway's steady traffic:
		// a summary pane closes every 6,000 requests, as it would.
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond).Format(time.RFC3339Nano)
		body := []byte(fmt.Sprintf(`{"model":%q,"user":"user_%d","time":%q,"features":{"transaction_amount":%d,`+
			`"merchant_category":"grocery","hour":13,"distance_from_home_km":4.5,"card_present":true,"account_age_days":800,"num_tx_last_24h":2}}`,
			model, i%500, at, 50+i%300))
		start := time.Now()
		resp, err := client.Post(base+"/v1/screen", "application/json", bytes.NewReader(body))
		if err != nil {
			tb.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out = append(out, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			tb.Fatalf("screen: %d", resp.StatusCode)
		}
	}
	return out
}

// BenchmarkScreen is one POST /v1/screen over loopback HTTP: decoding, the
// outlier verdict, the durable log append and the answer, and then the
// event's way through the pipeline: the timer runs until the server has
// processed every screened event (Close drains the pipeline), not only
// until the last answer. TestScreenLatency measures the round trip alone.
func BenchmarkScreen(b *testing.B) {
	s, hs := newServer(b, b.TempDir(), nil)
	register(b, hs.URL, 5000)
	b.ResetTimer()
	screenLatencies(b, hs.URL, b.N)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// TestScreenLatency measures POST /v1/screen round trips (WARDEN_MEASURE=1;
// the figures go to docs/benchmarks.md).
func TestScreenLatency(t *testing.T) {
	if os.Getenv("WARDEN_MEASURE") == "" {
		t.Skip("a measurement, not a test: set WARDEN_MEASURE=1")
	}
	_, hs := newServer(t, t.TempDir(), nil)
	register(t, hs.URL, 10000)
	screenLatencies(t, hs.URL, 2000) // warm up
	lat := screenLatencies(t, hs.URL, 20000)
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	t.Logf("POST /v1/screen, %d sequential requests: p50 %v, p90 %v, p99 %v, p99.9 %v, max %v",
		len(lat), q(0.5), q(0.9), q(0.99), q(0.999), lat[len(lat)-1])
}
