package server

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/simulate"
)

func TestCheckpointDue(t *testing.T) {
	every := 30 * time.Second
	tests := []struct {
		since    time.Duration
		inFlight int64
		want     bool
	}{
		{10 * time.Second, 0, false},                              // not yet
		{every, 0, true},                                          // due and quiet
		{every, quietInFlight, true},                              // quiet enough
		{every, quietInFlight + 1, false},                         // busy: wait
		{every + maxCheckpointDelay - time.Second, 100000, false}, // still waiting
		{every + maxCheckpointDelay, 100000, true},                // waited long enough
		{2 * time.Hour, 1 << 30, true},
	}
	for _, tc := range tests {
		if got := checkpointDue(tc.since, every, tc.inFlight); got != tc.want {
			t.Errorf("checkpointDue(%v, %v, %d) = %v, want %v", tc.since, every, tc.inFlight, got, tc.want)
		}
	}
}

// A checkpoint writes only the detector parts that changed, none when no
// event was logged since the last, and a restart resumes from the parts.
func TestCheckpointWritesWhatChanged(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Storage.Dir = dir
	cfg.Pipeline.Shards = 2
	open := func() (*Server, *httptest.Server) {
		s, err := New(cfg, Options{Now: func() time.Time { return time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		return s, httptest.NewServer(s.Handler())
	}
	s, hs := open()
	post := func(method, path, contentType string, body []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, hs.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	var ref bytes.Buffer
	if err := simulate.WriteCSV(&ref, simulate.Reference(1, 2000)); err != nil {
		t.Fatal(err)
	}
	post("POST", "/v1/models", "application/json", []byte(`{"name":"`+simulate.ModelName+`"}`))
	post("PUT", "/v1/models/"+simulate.ModelName+"/reference", "text/csv", ref.Bytes())
	gen, err := simulate.NewGenerator(simulate.Options{Seed: 3, Rate: 1})
	if err != nil {
		t.Fatal(err)
	}
	var evs bytes.Buffer
	if err := simulate.WriteEvents(&evs, gen.Take(3000)); err != nil {
		t.Fatal(err)
	}
	written := func() int64 { s.saved.mu.Lock(); defer s.saved.mu.Unlock(); return s.saved.written }
	ctx := context.Background()

	post("POST", "/v1/events", "application/x-ndjson", evs.Bytes())
	before := written()
	if did, err := s.checkpointIfMoved(ctx); err != nil || !did {
		t.Fatalf("after events: checkpointed %v, %v", did, err)
	}
	full := written() - before
	if did, err := s.checkpointIfMoved(ctx); err != nil || did {
		t.Errorf("with nothing logged since: checkpointed %v, %v", did, err)
	}
	before = written()
	if err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if again := written() - before; again >= full/2 {
		t.Errorf("a checkpoint with nothing changed wrote %d bytes, the first %d", again, full)
	}
	cp, ok, err := s.db.LoadCheckpoint(ctx)
	if names := slices.Sorted(maps.Keys(cp.Parts)); err != nil || !ok || fmt.Sprint(names) != "[fraud_detection_v2/drift fraud_detection_v2/outliers server.ids server.keys]" {
		t.Fatalf("stored parts: %v %v %v", ok, err, names)
	}
	want := len(cp.State)
	for _, p := range cp.Parts {
		want += len(p)
	}
	if got := s.saved.bytes(); got != want {
		t.Errorf("checkpoint size %d, the store holds %d", got, want)
	}
	hs.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, hs = open()
	defer func() { hs.Close(); s.Close() }()
	if s.Replayed() != 0 {
		t.Errorf("replayed %d events after a checkpoint that covered them all", s.Replayed())
	}
}
