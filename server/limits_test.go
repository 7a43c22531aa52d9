package server_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/warden-ml/warden/config"
)

// featureEvents is n events of the model with f numeric features each.
func featureEvents(n, f int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"model":%q,"user":"u%d","time":"2026-01-01T00:00:00Z","features":{`, model, i%10)
		for k := range f {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"f%d":%d`, k, k)
		}
		b.WriteString("}}\n")
	}
	return b.Bytes()
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

var receivedRe = regexp.MustCompile(`warden_events_received_total\{model="` + model + `"\} (\d+)`)

// received reads how many events the service has taken, from its metrics.
func received(t *testing.T, base string) int {
	t.Helper()
	_, _, raw := call(t, "GET", base+"/metrics", "", nil)
	m := receivedRe.FindStringSubmatch(raw)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// A batch over a limit is answered 413 with the limit's setting, and none
// of it is kept; an event with too many features is refused on its own.
func TestIngestLimits(t *testing.T) {
	_, hs := newServer(t, t.TempDir(), func(c *config.Config) {
		c.Server.MaxBodyBytes = 64 << 10
		c.Server.MaxEvents = 100
		c.Server.MaxValues = 500
		c.Server.MaxFeatures = 8
	})
	if code, _, raw := call(t, "POST", hs.URL+"/v1/models", "application/json", []byte(`{"name":"`+model+`"}`)); code != http.StatusCreated {
		t.Fatalf("POST /v1/models: %d %s", code, raw)
	}
	tests := []struct {
		name     string
		body     []byte
		code     int
		accepted int
		says     string
	}{
		{"within every limit", featureEvents(100, 5), 202, 100, `"accepted": 100`},
		{"too many events", featureEvents(101, 1), 413, 0, "more than 100 items (server.max_events)"},
		{"too many values", featureEvents(90, 6), 413, 0, "more than 500 values (features and class probabilities) (server.max_values)"},
		{"too many bytes", append(featureEvents(1, 1), bytes.Repeat([]byte(" "), 70<<10)...), 413, 0, "body larger than 65536 bytes (server.max_body_bytes)"},
		{"gzip over the limit once decompressed", gzipBytes(t, append(featureEvents(1, 1), bytes.Repeat([]byte("\n"), 1<<20)...)), 413, 0,
			"body larger than 65536 bytes (server.max_body_bytes, decompressed)"},
		{"too many features in one event", append(featureEvents(1, 9), featureEvents(2, 8)...), 202, 2, "more than 8 features"},
	}
	want := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, doc, raw := call(t, "POST", hs.URL+"/v1/events", "application/x-ndjson", tt.body)
			if code != tt.code || !strings.Contains(raw, tt.says) {
				t.Fatalf("%d %s, want %d saying %q", code, raw, tt.code, tt.says)
			}
			if code == 413 && !strings.Contains(raw, "nothing was kept") {
				t.Errorf("413 without saying nothing was kept: %s", raw)
			}
			if code == 202 {
				if got := int(doc["accepted"].(float64)); got != tt.accepted {
					t.Errorf("accepted %d, want %d", got, tt.accepted)
				}
			}
			want += tt.accepted
			if got := received(t, hs.URL); got != want {
				t.Errorf("the service holds %d events, want %d", got, want)
			}
		})
	}
}

// The queue's byte budget covers batches being decoded: one that does not
// fit is answered 429 with Retry-After, and kept nowhere.
func TestIngestQueueBytes(t *testing.T) {
	_, hs := newServer(t, t.TempDir(), func(c *config.Config) { c.Pipeline.QueueBytes = 2 << 20 })
	if code, _, raw := call(t, "POST", hs.URL+"/v1/models", "application/json", []byte(`{"name":"`+model+`"}`)); code != http.StatusCreated {
		t.Fatalf("POST /v1/models: %d %s", code, raw)
	}
	if code, _, raw := call(t, "POST", hs.URL+"/v1/events", "application/x-ndjson", featureEvents(100, 10)); code != 202 {
		t.Fatalf("a small batch: %d %s", code, raw)
	}
	req, _ := http.NewRequest("POST", hs.URL+"/v1/events", bytes.NewReader(featureEvents(3000, 100)))
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a batch larger than the budget: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if got := received(t, hs.URL); got != 100 {
		t.Errorf("the service holds %d events, want 100", got)
	}
}

// A reference upload is bounded as sent, once decompressed and in rows,
// before it is parsed.
func TestReferenceLimits(t *testing.T) {
	_, hs := newServer(t, t.TempDir(), func(c *config.Config) {
		c.Server.MaxReferenceBytes = 256 << 10
		c.Server.MaxReferenceRows = 2000
	})
	if code, _, raw := call(t, "POST", hs.URL+"/v1/models", "application/json", []byte(`{"name":"`+model+`"}`)); code != http.StatusCreated {
		t.Fatalf("POST /v1/models: %d %s", code, raw)
	}
	csv := func(rows int) []byte {
		var b bytes.Buffer
		b.WriteString("a,b\n")
		for i := range rows {
			fmt.Fprintf(&b, "%d,%d\n", i%97, i%13)
		}
		return b.Bytes()
	}
	jsonl := func(rows int) []byte {
		var b bytes.Buffer
		for i := range rows {
			fmt.Fprintf(&b, `{"a":%d,"b":%d}`+"\n", i%97, i%13)
		}
		return b.Bytes()
	}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		code        int
		says        string
	}{
		{"csv at the row limit", "text/csv", csv(2000), 200, `"rows": 2000`},
		{"csv over the row limit", "text/csv", csv(2001), 413, "reference has 2001 rows (counted as lines), more than server.max_reference_rows (2000)"},
		{"json lines at the row limit", "application/x-ndjson", jsonl(2000), 200, `"rows": 2000`},
		{"json lines over the row limit", "application/x-ndjson", jsonl(2001), 413, "more than server.max_reference_rows (2000)"},
		{"gzip", "text/csv", gzipBytes(t, csv(1000)), 200, `"rows": 1000`},
		{"over the byte limit", "text/csv", append(csv(10), bytes.Repeat([]byte("\n"), 300<<10)...), 413, "reference larger than 262144 bytes (server.max_reference_bytes)"},
		{"over the byte limit once decompressed", "text/csv", gzipBytes(t, append(csv(10), bytes.Repeat([]byte("\n"), 300<<10)...)), 413,
			"reference larger than 262144 bytes once decompressed (server.max_reference_bytes)"},
		{"corrupt gzip", "text/csv", []byte{0x1f, 0x8b, 0, 0, 1}, 400, "reference: gzip:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, raw := call(t, "PUT", hs.URL+"/v1/models/"+model+"/reference", tt.contentType, tt.body)
			if code != tt.code || !strings.Contains(raw, tt.says) {
				t.Errorf("%d %s, want %d saying %q", code, raw, tt.code, tt.says)
			}
		})
	}
}

// Past server.max_models, a new model is refused; the registered ones can
// still be changed.
func TestMaxModels(t *testing.T) {
	_, hs := newServer(t, t.TempDir(), func(c *config.Config) { c.Server.MaxModels = 2 })
	for _, tt := range []struct {
		name string
		code int
	}{{"a", 201}, {"b", 201}, {"c", 409}, {"a", 200}} {
		code, _, raw := call(t, "POST", hs.URL+"/v1/models", "application/json", []byte(`{"name":"`+tt.name+`"}`))
		if code != tt.code {
			t.Errorf("model %s: %d %s, want %d", tt.name, code, raw, tt.code)
		}
		if code == 409 && !strings.Contains(raw, "server.max_models") {
			t.Errorf("409 does not name the setting: %s", raw)
		}
	}
}
