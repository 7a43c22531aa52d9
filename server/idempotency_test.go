package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

type ingestAnswer struct {
	Accepted, Duplicates, Rejected int
	replayed                       bool
	raw                            string
}

func postBatch(t *testing.T, url string, body []byte, key string) (int, ingestAnswer) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/v1/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a ingestAnswer
	json.Unmarshal(raw, &a)
	a.replayed, a.raw = resp.Header.Get("Idempotent-Replayed") == "true", string(raw)
	return resp.StatusCode, a
}

// A batch sent again (its answer was lost) is recognised by its events'
// ids, before and after a restart, and an Idempotency-Key gets the first
// answer back.
func TestRetriedBatchIsNotProcessedTwice(t *testing.T) {
	dir := t.TempDir()
	srv, hs := newServer(t, dir, nil)
	register(t, hs.URL, 800)
	body := eventsBody(t, 600)
	lines := bytes.SplitAfter(body, []byte("\n"))
	first := bytes.Join(lines[:300], nil)

	for _, tc := range []struct {
		name      string
		body      []byte
		key       string
		code      int
		want      ingestAnswer
		replayed  bool
		wantInRaw string
	}{
		{"first", first, "", 202, ingestAnswer{Accepted: 300}, false, ""},
		{"sent again", first, "", 202, ingestAnswer{Accepted: 300, Duplicates: 300}, false, ""},
		{"half new", bytes.Join(lines[150:450], nil), "", 202, ingestAnswer{Accepted: 300, Duplicates: 150}, false, ""},
		{"keyed", bytes.Join(lines[450:500], nil), "k1", 202, ingestAnswer{Accepted: 50}, false, ""},
		{"keyed again", bytes.Join(lines[450:500], nil), "k1", 202, ingestAnswer{Accepted: 50}, true, ""},
		{"key reused", bytes.Join(lines[500:510], nil), "k1", 422, ingestAnswer{}, false, "another body"},
		{"checkpoint", nil, "", 0, ingestAnswer{}, false, ""},
		{"repeated within a batch", append(bytes.Join(lines[500:510], nil), lines[505]...), "", 202, ingestAnswer{Accepted: 11, Duplicates: 1}, false, ""},
	} {
		if tc.body == nil {
			// What follows is only in the log, not in the checkpoint.
			if err := srv.Checkpoint(context.Background()); err != nil {
				t.Fatal(err)
			}
			continue
		}
		code, got := postBatch(t, hs.URL, tc.body, tc.key)
		if code != tc.code || got.replayed != tc.replayed || !strings.Contains(got.raw, tc.wantInRaw) ||
			code == 202 && (got.Accepted != tc.want.Accepted || got.Duplicates != tc.want.Duplicates) {
			t.Errorf("%s: %d %+v", tc.name, code, got)
		}
	}
	metric := func(url, name string) string {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, name) {
				return line
			}
		}
		return ""
	}
	if got := metric(hs.URL, "warden_events_received_total"); !strings.HasSuffix(got, " 510") {
		t.Errorf("received %q, want 510 events processed once each", got)
	}

	// After a crash: the ids come back from the checkpoint and the log
	// after it; the key's answer from the checkpoint.
	hs.Close()
	srv.Close()
	_, hs2 := newServer(t, dir, nil)
	if code, got := postBatch(t, hs2.URL, bytes.Join(lines[:510], nil), ""); code != 202 || got.Duplicates != 510 {
		t.Errorf("after a restart: %d %+v", code, got)
	}
	if code, got := postBatch(t, hs2.URL, bytes.Join(lines[450:500], nil), "k1"); code != 202 || !got.replayed {
		t.Errorf("keyed, after a restart: %d %+v", code, got)
	}
}
