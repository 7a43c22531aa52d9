package eventlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// record makes a distinct, self-describing payload of about size bytes.
func record(tag string, i, size int) []byte {
	s := fmt.Sprintf("%s-%d|", tag, i)
	if len(s) < size {
		s += strings.Repeat(string(rune('a'+i%26)), size-len(s))
	}
	return []byte(s)
}

func mustOpen(t testing.TB, opts Options) *Log {
	t.Helper()
	l, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

type readRecord struct {
	rec       []byte
	pos, next Position
}

// readAll reads every record from from to the end.
func readAll(t testing.TB, l *Log, from Position) []readRecord {
	t.Helper()
	r, err := l.Reader(from)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []readRecord
	for {
		rec, pos, next, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("after %d records: %v", len(out), err)
		}
		out = append(out, readRecord{bytes.Clone(rec), pos, next})
	}
}

func segmentFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+segmentExt))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRoundTripAcrossSegments(t *testing.T) {
	tests := []struct {
		name         string
		segmentBytes int64
		batches      int
		perBatch     int
		recSize      int
		wantSegments int // at least
	}{
		{"one segment", 0, 10, 10, 100, 1},
		{"rolls", 4096, 40, 7, 90, 5},
		{"batch larger than a segment", 256, 6, 5, 200, 6},
		{"empty records", 64, 5, 20, 0, 3},
		{"single records", 300, 50, 1, 150, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l := mustOpen(t, Options{Dir: dir, SegmentBytes: tc.segmentBytes, NoSync: true})
			var want [][]byte
			var firsts []Position
			prev := l.End()
			for b := 0; b < tc.batches; b++ {
				batch := make([][]byte, tc.perBatch)
				for i := range batch {
					batch[i] = record("b", len(want)+i, tc.recSize)[:tc.recSize]
				}
				first, next, err := l.Append(batch...)
				if err != nil {
					t.Fatal(err)
				}
				if first.Compare(prev) < 0 || next.Compare(first) <= 0 {
					t.Fatalf("batch %d: first %v next %v after %v", b, first, next, prev)
				}
				if first.Segment != next.Segment {
					t.Fatalf("batch %d split across segments: %v .. %v", b, first, next)
				}
				if l.End() != next {
					t.Fatalf("End %v after Append returned next %v", l.End(), next)
				}
				prev = next
				firsts = append(firsts, first)
				want = append(want, batch...)
			}
			if got := len(segmentFiles(t, dir)); got < tc.wantSegments {
				t.Errorf("%d segment files, want at least %d", got, tc.wantSegments)
			}
			check := func(l *Log) {
				got := readAll(t, l, Position{})
				if len(got) != len(want) {
					t.Fatalf("read %d records, want %d", len(got), len(want))
				}
				for i := range got {
					if !bytes.Equal(got[i].rec, want[i]) {
						t.Fatalf("record %d = %q, want %q", i, got[i].rec, want[i])
					}
					if i > 0 && got[i].pos.Compare(got[i-1].next) < 0 {
						t.Fatalf("record %d at %v overlaps previous ending %v", i, got[i].pos, got[i-1].next)
					}
					if i%tc.perBatch == 0 && got[i].pos != firsts[i/tc.perBatch] {
						t.Fatalf("record %d at %v, Append said %v", i, got[i].pos, firsts[i/tc.perBatch])
					}
				}
				// Starting from any batch gives exactly the suffix.
				for b := 0; b < len(firsts); b += 3 {
					suffix := readAll(t, l, firsts[b])
					if len(suffix) != len(want)-b*tc.perBatch {
						t.Fatalf("from %v: %d records, want %d", firsts[b], len(suffix), len(want)-b*tc.perBatch)
					}
				}
				// Starting from the position after a record continues with the next one.
				for i := 0; i < len(got)-1; i += 5 {
					after := readAll(t, l, got[i].next)
					if len(after) != len(got)-i-1 || !bytes.Equal(after[0].rec, want[i+1]) {
						t.Fatalf("from next of record %d (%v): wrong suffix", i, got[i].next)
					}
				}
			}
			check(l)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l = mustOpen(t, Options{Dir: dir, SegmentBytes: tc.segmentBytes, NoSync: true})
			defer l.Close()
			if l.Recovered() != 0 {
				t.Errorf("clean reopen recovered %d bytes", l.Recovered())
			}
			check(l)
		})
	}
}

func TestConcurrentAppenders(t *testing.T) {
	const goroutines, calls = 8, 150
	for _, noSync := range []bool{true, false} {
		t.Run(fmt.Sprintf("NoSync=%v", noSync), func(t *testing.T) {
			n := calls
			if !noSync && testing.Short() {
				n = 30
			}
			l := mustOpen(t, Options{Dir: t.TempDir(), SegmentBytes: 8 << 10, NoSync: noSync})
			defer l.Close()
			type call struct {
				first, next Position
				recs        int
			}
			results := make([][]call, goroutines)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for c := range n {
						k := 1 + (g+c)%5
						batch := make([][]byte, k)
						for j := range batch {
							batch[j] = []byte(fmt.Sprintf("%d/%d/%d", g, c, j))
						}
						first, next, err := l.Append(batch...)
						if err != nil {
							t.Error(err)
							return
						}
						results[g] = append(results[g], call{first, next, k})
					}
				}()
			}
			wg.Wait()
			got := readAll(t, l, Position{})
			at := make(map[Position]int, len(got))
			for i, r := range got {
				at[r.pos] = i
			}
			seen := make(map[string]bool, len(got))
			for _, r := range got {
				if seen[string(r.rec)] {
					t.Fatalf("record %q read twice", r.rec)
				}
				seen[string(r.rec)] = true
			}
			total := 0
			for g, calls := range results {
				prevIndex := -1
				for c, cl := range calls {
					i, ok := at[cl.first]
					if !ok {
						t.Fatalf("goroutine %d call %d: first %v is not a record position", g, c, cl.first)
					}
					if i <= prevIndex {
						t.Fatalf("goroutine %d call %d read back before its previous call", g, c)
					}
					for j := 0; j < cl.recs; j++ {
						want := fmt.Sprintf("%d/%d/%d", g, c, j)
						if string(got[i+j].rec) != want {
							t.Fatalf("goroutine %d call %d: record %d = %q, want %q (calls must stay contiguous)", g, c, j, got[i+j].rec, want)
						}
					}
					if got[i+cl.recs-1].next != cl.next {
						t.Fatalf("goroutine %d call %d: next %v, reader says %v", g, c, cl.next, got[i+cl.recs-1].next)
					}
					prevIndex = i
					total += cl.recs
				}
			}
			if total != len(got) {
				t.Fatalf("appended %d records, read %d", total, len(got))
			}
		})
	}
}

// appendRecords writes n records of recSize and returns their positions.
func appendRecords(t testing.TB, l *Log, tag string, n, recSize int) []Position {
	t.Helper()
	var pos []Position
	for i := range n {
		first, _, err := l.Append(record(tag, i, recSize))
		if err != nil {
			t.Fatal(err)
		}
		pos = append(pos, first)
	}
	return pos
}

func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	for _, path := range segmentFiles(t, src) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(path)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTornTail(t *testing.T) {
	src := t.TempDir()
	l := mustOpen(t, Options{Dir: src, SegmentBytes: 2048, NoSync: true})
	pos := appendRecords(t, l, "torn", 30, 120)
	end := l.End()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	last := pos[len(pos)-1]
	if last.Segment < 2 {
		t.Fatalf("want several segments, last record in segment %d", last.Segment)
	}
	lastPath := segmentName(last.Segment)
	for cut := last.Offset; cut < end.Offset; cut++ {
		dir := t.TempDir()
		copyDir(t, src, dir)
		if err := os.Truncate(filepath.Join(dir, lastPath), cut); err != nil {
			t.Fatal(err)
		}
		l, err := Open(Options{Dir: dir, SegmentBytes: 2048, NoSync: true})
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if got, want := l.Recovered(), cut-last.Offset; got != want {
			t.Errorf("cut at %d: recovered %d bytes, want %d", cut, got, want)
		}
		if l.End() != last {
			t.Errorf("cut at %d: end %v, want %v", cut, l.End(), last)
		}
		got := readAll(t, l, Position{})
		if len(got) != len(pos)-1 {
			t.Fatalf("cut at %d: %d records survive, want %d", cut, len(got), len(pos)-1)
		}
		first, _, err := l.Append([]byte("after"))
		if err != nil || first != last {
			t.Fatalf("cut at %d: append after recovery at %v, %v; want %v", cut, first, err, last)
		}
		got = readAll(t, l, Position{})
		if len(got) != len(pos) || string(got[len(got)-1].rec) != "after" {
			t.Fatalf("cut at %d: append after recovery not read back", cut)
		}
		l.Close()
	}
}

func TestTornSegmentHeader(t *testing.T) {
	src := t.TempDir()
	l := mustOpen(t, Options{Dir: src, SegmentBytes: 1024, NoSync: true})
	pos := appendRecords(t, l, "h", 20, 100)
	l.Close()
	lastSeg := pos[len(pos)-1].Segment
	for size := range headerSize + 1 {
		for _, fill := range []byte{0, 'W'} {
			dir := t.TempDir()
			copyDir(t, src, dir)
			header := bytes.Repeat([]byte{fill}, size)
			if fill != 0 {
				header = encodeHeader(lastSeg+1, 0)[:size]
			}
			if size == headerSize && fill != 0 {
				continue // a complete header: not torn
			}
			if err := os.WriteFile(filepath.Join(dir, segmentName(lastSeg+1)), header, 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := Open(Options{Dir: dir, SegmentBytes: 1024, NoSync: true})
			if err != nil {
				t.Fatalf("header of %d bytes %q: %v", size, header, err)
			}
			if l.Recovered() != int64(size) {
				t.Errorf("header of %d bytes: recovered %d", size, l.Recovered())
			}
			if got := readAll(t, l, Position{}); len(got) != len(pos) {
				t.Errorf("header of %d bytes: %d records, want %d", size, len(got), len(pos))
			}
			if _, _, err := l.Append([]byte("x")); err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, l, Position{}); len(got) != len(pos)+1 {
				t.Errorf("header of %d bytes: append after repair not read back", size)
			}
			l.Close()
		}
	}
}

// Damage before the final record is not a torn tail: Open refuses, naming
// the segment and offset, and Repair quarantines only the damaged record.
func TestCorruptLastSegment(t *testing.T) {
	tests := []struct {
		name   string
		offset int64 // from the start of the damaged record
	}{
		{"length", 1},
		{"checksum", 5},
		{"payload", frameSize + 10},
		{"huge length", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l := mustOpen(t, Options{Dir: dir, NoSync: true})
			pos := appendRecords(t, l, "c", 40, 64)
			l.Close()
			bad := pos[17]
			path := filepath.Join(dir, segmentName(bad.Segment))
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[bad.Offset+tc.offset] ^= 0x40
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = Open(Options{Dir: dir, NoSync: true})
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Segment != bad.Segment || ce.Offset != bad.Offset {
				t.Fatalf("Open: %v; want a CorruptError at %v", err, bad)
			}
			rep, err := Verify(dir, Position{})
			if err != nil || len(rep.Problems) != 1 || rep.Records != 17 {
				t.Fatalf("Verify: %+v, %v", rep, err)
			}
			fixed, err := Repair(dir, filepath.Join(dir, "quarantine"), Position{})
			if err != nil {
				t.Fatal(err)
			}
			if len(fixed.Quarantined) != 1 || fixed.LostBytes != pos[18].Offset-bad.Offset {
				t.Fatalf("Repair: %+v", fixed)
			}
			l = mustOpen(t, Options{Dir: dir, NoSync: true})
			defer l.Close()
			got := readAll(t, l, Position{})
			if len(got) != 39 {
				t.Fatalf("%d records survive, want 39", len(got))
			}
			for i, r := range got {
				j := i
				if i >= 17 {
					j++
				}
				if !bytes.Equal(r.rec, record("c", j, 64)) {
					t.Fatalf("record %d = %q", i, r.rec)
				}
			}
			// A position after the damage maps to the same record.
			if p := fixed.Map(pos[30]); p != got[29].pos {
				t.Errorf("Map(%v) = %v; record 30 is now at %v", pos[30], p, got[29].pos)
			}
			if p := fixed.Map(bad); p != got[17].pos {
				t.Errorf("Map(the damaged record) = %v; want the next intact one at %v", p, got[17].pos)
			}
		})
	}
}

func TestCorruptSealedSegmentIsAnError(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, Options{Dir: dir, SegmentBytes: 1024, NoSync: true})
	defer l.Close()
	pos := appendRecords(t, l, "s", 30, 100)
	bad := pos[3]
	if bad.Segment == pos[len(pos)-1].Segment {
		t.Fatal("want the damaged record in an earlier segment")
	}
	path := filepath.Join(dir, segmentName(bad.Segment))
	b, _ := os.ReadFile(path)
	b[bad.Offset+frameSize] ^= 1
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := l.Reader(Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; ; i++ {
		_, _, _, err := r.Next()
		if err == nil {
			continue
		}
		if i != 3 || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), fmt.Sprintf("offset %d", bad.Offset)) || !errors.As(err, new(*CorruptError)) {
			t.Fatalf("record %d: %v; want a checksum error at record 3 naming offset %d", i, err, bad.Offset)
		}
		return
	}
}

func TestReopenContinues(t *testing.T) {
	dir := t.TempDir()
	var want []string
	var last Position
	for round := range 4 {
		l := mustOpen(t, Options{Dir: dir, SegmentBytes: 700, NoSync: true})
		if round > 0 && l.End() != last {
			t.Fatalf("round %d: reopened at %v, closed at %v", round, l.End(), last)
		}
		for i := range 5 {
			rec := fmt.Sprintf("round %d record %d", round, i)
			first, next, err := l.Append([]byte(rec))
			if err != nil {
				t.Fatal(err)
			}
			if first.Compare(last) < 0 {
				t.Fatalf("%s at %v, before the previous end %v", rec, first, last)
			}
			last = next
			want = append(want, rec)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.Append([]byte("late")); !errors.Is(err, ErrClosed) {
			t.Fatalf("Append after Close: %v, want ErrClosed", err)
		}
	}
	l := mustOpen(t, Options{Dir: dir, SegmentBytes: 700, NoSync: true})
	defer l.Close()
	got := readAll(t, l, Position{})
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range got {
		if string(got[i].rec) != want[i] {
			t.Fatalf("record %d = %q, want %q", i, got[i].rec, want[i])
		}
	}
}

func TestTruncateBefore(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, Options{Dir: dir, SegmentBytes: 1000, NoSync: true})
	pos := appendRecords(t, l, "t", 60, 90)
	segs := len(segmentFiles(t, dir))
	tests := []struct {
		name string
		keep int // index of the record truncated before
	}{
		{"zero position keeps all", -1},
		{"first record", 0},
		{"middle of a segment", 23},
		{"later", 41},
		{"again at the same place", 41},
		{"last record", 59},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Position{}
			if tc.keep >= 0 {
				p = pos[tc.keep]
			}
			if err := l.TruncateBefore(p); err != nil {
				t.Fatal(err)
			}
			got := readAll(t, l, Position{})
			oldest := pos[0].Segment
			if tc.keep >= 0 {
				oldest = p.Segment
			}
			if len(got) == 0 || got[0].pos.Segment != oldest || got[0].pos.Offset != headerSize {
				t.Fatalf("oldest retained record at %v, want the start of segment %d", got[0].pos, oldest)
			}
			if got[len(got)-1].pos != pos[len(pos)-1] {
				t.Fatal("the newest record is gone")
			}
			if tc.keep >= 0 {
				if got[0].pos.Compare(p) > 0 {
					t.Fatalf("records before %v lost: oldest is %v", p, got[0].pos)
				}
				if len(got) < len(pos)-tc.keep {
					t.Fatalf("%d records kept, want at least %d", len(got), len(pos)-tc.keep)
				}
				if n := len(segmentFiles(t, dir)); n != segs-int(p.Segment-pos[0].Segment) {
					t.Fatalf("%d segment files, want %d", n, segs-int(p.Segment-pos[0].Segment))
				}
				if _, err := l.Reader(pos[0]); p.Segment > pos[0].Segment && err == nil {
					t.Fatal("Reader at a truncated position succeeded")
				}
			}
		})
	}
	if err := l.TruncateBefore(Position{l.End().Segment + 1, headerSize}); err == nil {
		t.Error("TruncateBefore past the end succeeded")
	}
	l.Close()
	l = mustOpen(t, Options{Dir: dir, SegmentBytes: 1000, NoSync: true})
	defer l.Close()
	if got := readAll(t, l, Position{}); got[0].pos.Segment != pos[59].Segment {
		t.Fatalf("after reopen the oldest record is at %v, want segment %d", got[0].pos, pos[59].Segment)
	}
}

func TestReaderFollowsAppends(t *testing.T) {
	l := mustOpen(t, Options{Dir: t.TempDir(), SegmentBytes: 100, NoSync: true})
	defer l.Close()
	r, err := l.Reader(Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("empty log: %v, want io.EOF", err)
	}
	for i := range 20 {
		want := record("f", i, 40)
		if _, _, err := l.Append(want); err != nil {
			t.Fatal(err)
		}
		rec, _, _, err := r.Next()
		if err != nil || !bytes.Equal(rec, want) {
			t.Fatalf("record %d: %q, %v", i, rec, err)
		}
		if _, _, _, err := r.Next(); err != io.EOF {
			t.Fatalf("after record %d: %v, want io.EOF", i, err)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Run("options", func(t *testing.T) {
		for _, opts := range []Options{{}, {Dir: t.TempDir(), SegmentBytes: -1}, {Dir: t.TempDir(), SegmentBytes: headerSize}} {
			if _, err := Open(opts); err == nil {
				t.Errorf("Open(%+v) succeeded", opts)
			}
		}
	})
	t.Run("missing segment", func(t *testing.T) {
		dir := t.TempDir()
		l := mustOpen(t, Options{Dir: dir, SegmentBytes: 200, NoSync: true})
		appendRecords(t, l, "m", 10, 100)
		l.Close()
		os.Remove(filepath.Join(dir, segmentName(2)))
		_, err := Open(Options{Dir: dir, NoSync: true})
		if err == nil || !strings.Contains(err.Error(), segmentName(2)) {
			t.Fatalf("Open with a gap: %v, want an error naming %s", err, segmentName(2))
		}
	})
	t.Run("foreign file", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, segmentName(1)), []byte("not a log segment at all"), 0o644)
		if _, err := Open(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "bad header") {
			t.Fatalf("Open over a foreign file: %v", err)
		}
	})
	t.Run("reader positions", func(t *testing.T) {
		l := mustOpen(t, Options{Dir: t.TempDir(), NoSync: true})
		defer l.Close()
		appendRecords(t, l, "p", 3, 10)
		end := l.End()
		for _, p := range []Position{{end.Segment, end.Offset + 1}, {end.Segment + 1, headerSize}, {end.Segment, 3}} {
			if _, err := l.Reader(p); err == nil {
				t.Errorf("Reader(%v) succeeded", p)
			}
		}
	})
	t.Run("record too large", func(t *testing.T) {
		l := mustOpen(t, Options{Dir: t.TempDir(), NoSync: true})
		defer l.Close()
		if _, _, err := l.Append([]byte("ok"), make([]byte, MaxRecordBytes+1)); err == nil || !strings.Contains(err.Error(), "record 1") {
			t.Fatalf("oversized record: %v", err)
		}
		if got := readAll(t, l, Position{}); len(got) != 0 {
			t.Fatal("a rejected batch was partly written")
		}
	})
}

func TestPosition(t *testing.T) {
	tests := []struct {
		p, q Position
		want int
	}{
		{Position{1, 8}, Position{1, 8}, 0},
		{Position{1, 8}, Position{1, 9}, -1},
		{Position{2, 8}, Position{1, 900}, 1},
		{Position{}, Position{1, 8}, -1},
	}
	for _, tc := range tests {
		if got := tc.p.Compare(tc.q); got != tc.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tc.p, tc.q, got, tc.want)
		}
		if got := tc.q.Compare(tc.p); got != -tc.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tc.q, tc.p, got, -tc.want)
		}
	}
}

// FuzzRecover opens a log whose only segment holds arbitrary bytes: Open
// must not panic, and what it keeps must read back cleanly and accept
// appends.
func FuzzRecover(f *testing.F) {
	var valid []byte
	valid = append(valid, encodeHeader(1, 0)...)
	for i := range 4 {
		valid = appendFrame(valid, record("z", i, 20))
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-3])
	f.Add(valid[:5])
	f.Add([]byte{})
	f.Add(append(encodeHeader(1, 0), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0))
	f.Add(append(append([]byte{}, magicV1[:]...), appendFrame(nil, record("v1", 0, 20))...))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, segmentName(1))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Open(Options{Dir: dir, NoSync: true})
		if err != nil {
			return
		}
		defer l.Close()
		kept := l.End().Offset
		if l.Recovered() != int64(len(data))-kept && !(len(data) < headerSize || bytes.Equal(data[:headerSize], make([]byte, headerSize))) {
			t.Fatalf("kept %d and recovered %d of %d bytes", kept, l.Recovered(), len(data))
		}
		got := readAll(t, l, Position{})
		if _, _, err := l.Append([]byte("tail")); err != nil {
			t.Fatal(err)
		}
		if again := readAll(t, l, Position{}); len(again) != len(got)+1 || string(again[len(got)].rec) != "tail" {
			t.Fatal("append after recovery not read back")
		}
	})
}

func TestSegments(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, Options{Dir: dir, SegmentBytes: 1000, NoSync: true})
	pos := appendRecords(t, l, "s", 60, 90)
	segs, err := l.Segments()
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != len(segmentFiles(t, dir)) || segs[0].Number != pos[0].Segment || segs[len(segs)-1].Number != pos[len(pos)-1].Segment {
		t.Fatalf("segments %+v, files %d", segs, len(segmentFiles(t, dir)))
	}
	for i, s := range segs {
		if s.Size <= 0 || s.ModTime.IsZero() || (i > 0 && s.Number != segs[i-1].Number+1) {
			t.Errorf("segment %+v", s)
		}
	}
	if err := l.TruncateBefore(pos[30]); err != nil {
		t.Fatal(err)
	}
	after, _ := l.Segments()
	if after[0].Number != pos[30].Segment {
		t.Errorf("after truncation the oldest segment is %d, want %d", after[0].Number, pos[30].Segment)
	}
	l.Close()
	if _, err := l.Segments(); !errors.Is(err, ErrClosed) {
		t.Errorf("Segments after Close: %v", err)
	}
}
