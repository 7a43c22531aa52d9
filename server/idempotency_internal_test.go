package server

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/warden-ml/warden/event"
)

// Answers kept for Idempotency-Keys stay within maxKeyBytes however large
// each is, the oldest going first.
func TestKeyedAnswersBounded(t *testing.T) {
	k := newKeyedAnswers()
	big := make([]byte, 100<<10)
	now := time.Now()
	for i := range 400 {
		key := fmt.Sprint("key-", i)
		if prev, busy := k.begin(key, [sha256.Size]byte{}, now); prev != nil || busy {
			t.Fatalf("%s: a fresh key had an answer", key)
		}
		k.end(key, &keyedAnswer{Status: 202, Answer: big, At: now})
	}
	if k.bytes > maxKeyBytes {
		t.Fatalf("%d bytes kept, the bound is %d", k.bytes, maxKeyBytes)
	}
	if prev, _ := k.begin("key-399", [sha256.Size]byte{}, now); prev == nil {
		t.Error("the newest answer was forgotten")
	}
	if prev, _ := k.begin("key-0", [sha256.Size]byte{}, now); prev != nil {
		t.Error("the oldest answer is still kept past the bound")
	}
}

// BenchmarkRecentIDs times recognising ids on the ingest path (batches of
// 1,000 new ids into a full ring of pipeline.dedupe_ids' default) and
// reports the ring's memory: docs/benchmarks.md and README's "about 43 MB".
func BenchmarkRecentIDs(b *testing.B) {
	const capacity = 1_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := newRecentIDs(capacity)
	batch := make([]event.Event, 1000)
	n := 0
	next := func() {
		for i := range batch {
			batch[i] = event.Event{Model: "fraud_detection_v2", ID: "tx-" + strconv.Itoa(n)}
			n++
		}
	}
	for n < capacity {
		next()
		r.addEvents(batch)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	ringMB := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		next()
		b.StartTimer()
		_, release, err := r.claim(batch)
		if err != nil {
			b.Fatal(err)
		}
		release(true)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
	b.ReportMetric(ringMB, "MB/1M-ids")
}

// Two requests carrying the same ids: the second is refused while the
// first is being logged, and keeps nothing claimed; once the first is
// logged its ids are duplicates, and ids of a batch that failed to log are
// new again.
func TestRecentIDsClaims(t *testing.T) {
	r := newRecentIDs(10)
	evs := func(ids ...string) []event.Event {
		out := make([]event.Event, len(ids))
		for i, id := range ids {
			out[i] = event.Event{Model: "m", ID: id}
		}
		return out
	}
	_, releaseA, err := r.claim(evs("a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.claim(evs("c", "b")); err != errIDsInFlight {
		t.Fatalf("overlapping claim: %v, want errIDsInFlight", err)
	}
	dups, releaseC, err := r.claim(evs("c", "c"))
	if err != nil || len(dups) != 1 || dups[0] != 1 {
		t.Fatalf("c after the refused claim: dups %v, %v; want only the repeat", dups, err)
	}
	releaseC(false)
	releaseA(true)
	dups, _, err = r.claim(evs("a", "b", "c"))
	if err != nil || fmt.Sprint(dups) != "[0 1]" {
		t.Fatalf("after a logged, c failed: dups %v, %v; want a and b", dups, err)
	}
}
