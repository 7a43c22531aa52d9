package eventlog

import (
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
)

// A write that fails (the disk full) fails its Appends; once the disk takes
// writes again the log goes on by itself, and what it holds is exactly the
// records whose Append succeeded.
func TestAppendRecoversAfterWriteFailure(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(Options{Dir: dir, SegmentBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	full := false
	l.injectFault = func() error {
		if full {
			return fmt.Errorf("eventlog: %w", syscall.ENOSPC)
		}
		return nil
	}
	var want []string
	rec := func(i int) []byte { return fmt.Appendf(nil, "record %04d %0200d", i, i) }
	for i := range 60 {
		full = i%7 == 3 || i%7 == 4
		_, _, err := l.Append(rec(i))
		switch {
		case full && !errors.Is(err, syscall.ENOSPC):
			t.Fatalf("record %d with the disk full: %v", i, err)
		case !full && err != nil:
			t.Fatalf("record %d after space came back: %v", i, err)
		case !full:
			want = append(want, string(rec(i)))
		}
	}
	if l.Rewound() == 0 {
		t.Fatal("the log never rewound")
	}
	check := func(l *Log, label string) {
		t.Helper()
		r, err := l.Reader(Position{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var got []string
		for {
			b, _, _, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			got = append(got, string(b))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: the log holds %d records, want the %d acknowledged", label, len(got), len(want))
		}
	}
	check(l, "open")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = Open(Options{Dir: dir, SegmentBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	check(l, "reopened")
}
