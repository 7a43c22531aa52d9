package eventlog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A log cut short below where it was known to be durable (the END file,
// or the caller's checkpoint) lost acknowledged records: Open refuses,
// and Repair gives up the partial record and opens it again.
func TestCutSegmentIsCorruption(t *testing.T) {
	for _, tc := range []struct {
		name    string
		withEnd bool // the END file survives; otherwise the caller's position
	}{{"END file", true}, {"checkpoint", false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l := mustOpen(t, Options{Dir: dir, NoSync: true})
			pos := appendRecords(t, l, "cut", 50, 100)
			end := l.End()
			l.Close()
			if !tc.withEnd {
				os.Remove(filepath.Join(dir, endFile))
			}
			path := filepath.Join(dir, segmentName(end.Segment))
			cutAt := pos[30].Offset + 20
			if err := os.Truncate(path, cutAt); err != nil {
				t.Fatal(err)
			}
			durable := Position{}
			if !tc.withEnd {
				durable = pos[40]
			}
			_, err := Open(Options{Dir: dir, NoSync: true, Durable: durable})
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Offset != pos[30].Offset || !strings.Contains(ce.Reason, "durable up to") {
				t.Fatalf("Open of a cut segment: %v", err)
			}
			fixed, err := Repair(dir, filepath.Join(t.TempDir(), "q"), durable)
			if err != nil {
				t.Fatal(err)
			}
			if len(fixed.Problems) == 0 {
				t.Errorf("Repair reported no problem")
			}
			l, err = Open(Options{Dir: dir, NoSync: true})
			if err != nil {
				t.Fatalf("Open after Repair: %v", err)
			}
			defer l.Close()
			if got := readAll(t, l, Position{}); len(got) != 30 {
				t.Fatalf("%d records after Repair, want 30", len(got))
			}
		})
	}
}

// Missing segments are refused, named; Repair closes a gap and the
// records of the other segments stay.
func TestMissingSegments(t *testing.T) {
	build := func(t *testing.T) (string, []Position) {
		dir := t.TempDir()
		l := mustOpen(t, Options{Dir: dir, SegmentBytes: 1024, NoSync: true})
		pos := appendRecords(t, l, "m", 40, 100)
		l.Close()
		return dir, pos
	}
	t.Run("newest", func(t *testing.T) {
		dir, pos := build(t)
		last := pos[len(pos)-1].Segment
		os.Remove(filepath.Join(dir, segmentName(last)))
		_, err := Open(Options{Dir: dir, SegmentBytes: 1024, NoSync: true})
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Segment != last || !strings.Contains(ce.Reason, "missing") {
			t.Fatalf("Open without the newest segment: %v", err)
		}
	})
	t.Run("all", func(t *testing.T) {
		dir, pos := build(t)
		for _, p := range segmentFiles(t, dir) {
			os.Remove(p)
		}
		os.Remove(filepath.Join(dir, endFile))
		// The caller's checkpoint still knows the log was longer.
		_, err := Open(Options{Dir: dir, SegmentBytes: 1024, NoSync: true, Durable: pos[20]})
		if !errors.As(err, new(*CorruptError)) {
			t.Fatalf("Open of an emptied log with a checkpoint in it: %v", err)
		}
	})
	t.Run("middle", func(t *testing.T) {
		dir, pos := build(t)
		gone := pos[len(pos)-1].Segment - 2
		os.Remove(filepath.Join(dir, segmentName(gone)))
		_, err := Open(Options{Dir: dir, SegmentBytes: 1024, NoSync: true})
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Segment != gone {
			t.Fatalf("Open with a gap: %v", err)
		}
		rep, err := Verify(dir, Position{})
		if err != nil || len(rep.Problems) == 0 {
			t.Fatalf("Verify: %+v %v", rep, err)
		}
		fixed, err := Repair(dir, filepath.Join(t.TempDir(), "q"), Position{})
		if err != nil {
			t.Fatal(err)
		}
		if fixed.Renumbered[gone+1] != gone {
			t.Fatalf("renumbered %v", fixed.Renumbered)
		}
		l, err := Open(Options{Dir: dir, SegmentBytes: 1024, NoSync: true})
		if err != nil {
			t.Fatalf("Open after Repair: %v", err)
		}
		defer l.Close()
		got := readAll(t, l, Position{})
		lost := 0
		for _, p := range pos {
			if p.Segment == gone {
				lost++
			}
		}
		if len(got) != len(pos)-lost {
			t.Fatalf("%d records after Repair, want %d", len(got), len(pos)-lost)
		}
		last := pos[len(pos)-1]
		if p := fixed.Map(last); p != got[len(got)-1].pos {
			t.Errorf("Map(%v) = %v, want %v", last, p, got[len(got)-1].pos)
		}
	})
}

// A directory written in format version 1 opens: its segments are read as
// they are and new segments are written in version 2.
func TestOpensVersion1(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for seg := uint64(1); seg <= 2; seg++ {
		b := append([]byte{}, magicV1[:]...)
		for i := range 5 {
			rec := record("v1", int(seg)*10+i, 80)
			want = append(want, string(rec))
			b = appendFrame(b, rec)
		}
		if err := os.WriteFile(filepath.Join(dir, segmentName(seg)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	l := mustOpen(t, Options{Dir: dir, SegmentBytes: 1024, NoSync: true})
	for i := range 30 {
		rec := record("v2", i, 80)
		want = append(want, string(rec))
		if _, _, err := l.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	check := func(l *Log) {
		t.Helper()
		got := readAll(t, l, Position{})
		if len(got) != len(want) {
			t.Fatalf("%d records, want %d", len(got), len(want))
		}
		for i := range got {
			if string(got[i].rec) != want[i] {
				t.Fatalf("record %d = %.20q, want %.20q", i, got[i].rec, want[i])
			}
		}
	}
	check(l)
	l.Close()
	l = mustOpen(t, Options{Dir: dir, SegmentBytes: 1024, NoSync: true})
	defer l.Close()
	check(l)
	rep, err := Verify(dir, Position{})
	if err != nil || len(rep.Problems) != 0 || rep.Segments[0].Version != 1 || rep.Segments[len(rep.Segments)-1].Version != 2 {
		t.Fatalf("Verify: %+v %v", rep, err)
	}
}

// Version 2 headers number the records, so that Verify sees where records
// went missing even at the start of a segment.
func TestHeadersNumberRecords(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, Options{Dir: dir, SegmentBytes: 1024, NoSync: true})
	appendRecords(t, l, "n", 40, 100)
	l.Close()
	rep, err := Verify(dir, Position{})
	if err != nil || len(rep.Problems) != 0 {
		t.Fatalf("Verify: %+v %v", rep, err)
	}
	next := uint64(0)
	for _, s := range rep.Segments {
		if s.First != next {
			t.Fatalf("segment %d starts at record %d, want %d", s.Number, s.First, next)
		}
		next += uint64(s.Records)
	}
	if next != 40 {
		t.Fatalf("%d records in all, want 40", next)
	}
	// A renamed segment is refused.
	segs := rep.Segments
	a, b := filepath.Join(dir, segmentName(segs[1].Number)), filepath.Join(dir, segmentName(segs[2].Number))
	os.Rename(a, a+".x")
	os.Rename(b, a)
	os.Rename(a+".x", b)
	if _, err := Verify(dir, Position{}); err != nil {
		t.Fatal(err)
	}
	r, _ := Verify(dir, Position{})
	if len(r.Problems) == 0 {
		t.Fatalf("swapped segments not reported: %+v", r)
	}
}

// Whatever a segment and the END file hold, Verify reports without
// failing, and Repair leaves a log that opens and reads to its end.
func FuzzVerifyRepair(f *testing.F) {
	valid := encodeHeader(1, 0)
	for i := range 4 {
		valid = appendFrame(valid, record("f", i, 30))
	}
	f.Add(valid, "eventlog end 1 32\n")
	f.Add(valid[:len(valid)-5], "eventlog end 1 200\n")
	flipped := bytes.Clone(valid)
	flipped[60] ^= 0x20
	f.Add(flipped, "")
	f.Add(append(append([]byte{}, magicV1[:]...), appendFrame(nil, record("v1", 0, 20))...), "eventlog end 9 9")
	f.Add([]byte{}, "garbage")
	f.Fuzz(func(t *testing.T, data []byte, end string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o600); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, endFile), []byte(end), 0o600)
		if _, err := Verify(dir, Position{}); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if _, err := Repair(dir, filepath.Join(t.TempDir(), "q"), Position{}); err != nil {
			t.Fatalf("Repair: %v", err)
		}
		l, err := Open(Options{Dir: dir, NoSync: true})
		if err != nil {
			t.Fatalf("Open after Repair: %v", err)
		}
		defer l.Close()
		readAll(t, l, Position{})
	})
}
