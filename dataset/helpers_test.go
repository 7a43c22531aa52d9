package dataset

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cell renders one value for comparisons: NA for missing, the level text for
// categorical and text columns, RFC 3339 to the microsecond for datetimes
// (through the time package, not this package's parser; float64 seconds
// hold no more for present-day dates), shortest round-trip form otherwise.
func cell(c *Column, i int) string {
	switch c.Type {
	case Categorical, Text:
		if c.Codes[i] < 0 {
			return "NA"
		}
		return c.Levels[c.Codes[i]]
	}
	v := c.Floats[i]
	switch {
	case math.IsNaN(v):
		return "NA"
	case c.Type == Datetime:
		sec, frac := math.Modf(v)
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC().Format(time.RFC3339Nano)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func cells(c *Column) []string {
	out := make([]string, c.Len())
	for i := range out {
		out[i] = cell(c, i)
	}
	return out
}

// dump renders a whole table, one column a line.
func dump(t *Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rows %d\n", t.Rows)
	for _, c := range t.Columns {
		fmt.Fprintf(&b, "%s %v missing=%d inf=%d: %s\n", c.Name, c.Type, c.Missing, c.Inf, strings.Join(quoteAll(cells(c)), " "))
	}
	return b.String()
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.Quote(v)
	}
	return out
}

// readEveryWay reads data whole and cut into several chunks, and fails the
// test unless every way gives the same table or the same error.
func readEveryWay(t *testing.T, name, data string, opts Options) (*Table, error) {
	t.Helper()
	want, wantErr := readBytes([]byte(data), name, opts, 1)
	for _, n := range []int{2, 3, 7} {
		got, err := readBytes([]byte(data), name, opts, n)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("%d chunks: error %v, one chunk: %v", n, err, wantErr)
		}
		if err == nil && !sameTable(got, want) {
			t.Fatalf("%d chunks:\n%s\none chunk:\n%s", n, dump(got), dump(want))
		}
	}
	if wantErr == nil {
		checkInvariants(t, want)
	}
	return want, wantErr
}

// sameTable compares tables exactly, NaN included.
func sameTable(a, b *Table) bool {
	if a.Rows != b.Rows || a.Source != b.Source || len(a.Columns) != len(b.Columns) {
		return false
	}
	for i, ca := range a.Columns {
		cb := b.Columns[i]
		if ca.Name != cb.Name || ca.Type != cb.Type || ca.Missing != cb.Missing || ca.Inf != cb.Inf ||
			!slices.Equal(ca.Codes, cb.Codes) || !slices.Equal(ca.Levels, cb.Levels) ||
			(ca.Floats == nil) != (cb.Floats == nil) ||
			!slices.EqualFunc(ca.Floats, cb.Floats, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }) ||
			fmt.Sprint(ca.Mismatch) != fmt.Sprint(cb.Mismatch) {
			return false
		}
	}
	return true
}

// checkInvariants checks what must hold of every table.
func checkInvariants(t *testing.T, tab *Table) {
	t.Helper()
	for _, c := range tab.Columns {
		missing, inf := 0, 0
		switch c.Type {
		case Categorical, Text:
			if c.Floats != nil || len(c.Codes) != tab.Rows {
				t.Fatalf("column %q (%v): %d codes and floats %v for %d rows", c.Name, c.Type, len(c.Codes), c.Floats != nil, tab.Rows)
			}
			if !slices.IsSorted(c.Levels) || len(slices.Compact(slices.Clone(c.Levels))) != len(c.Levels) {
				t.Fatalf("column %q: levels not sorted and distinct: %q", c.Name, c.Levels)
			}
			for _, code := range c.Codes {
				switch {
				case code == -1:
					missing++
				case code < 0 || int(code) >= len(c.Levels):
					t.Fatalf("column %q: code %d out of range", c.Name, code)
				}
			}
		default:
			if c.Codes != nil || c.Levels != nil || len(c.Floats) != tab.Rows {
				t.Fatalf("column %q (%v): %d floats and codes %v for %d rows", c.Name, c.Type, len(c.Floats), c.Codes != nil, tab.Rows)
			}
			for _, v := range c.Floats {
				switch {
				case math.IsNaN(v):
					missing++
				case math.IsInf(v, 0):
					inf++
				case c.Type == Boolean && v != 0 && v != 1:
					t.Fatalf("column %q: boolean holds %v", c.Name, v)
				}
			}
		}
		if c.Missing != missing || c.Inf != inf {
			t.Fatalf("column %q: Missing=%d Inf=%d, cells say %d and %d", c.Name, c.Missing, c.Inf, missing, inf)
		}
		if c.Type == Unknown && missing != tab.Rows {
			t.Fatalf("column %q is unknown with %d of %d rows present", c.Name, tab.Rows-missing, tab.Rows)
		}
	}
}

// col is an expected column.
type col struct {
	name   string
	typ    Type
	values []string // as rendered by cell
}

func checkTable(t *testing.T, got *Table, want []col) {
	t.Helper()
	if len(got.Columns) != len(want) {
		t.Fatalf("got %d columns, want %d:\n%s", len(got.Columns), len(want), dump(got))
	}
	for i, w := range want {
		c := got.Columns[i]
		if c.Name != w.name || c.Type != w.typ || !slices.Equal(cells(c), w.values) {
			t.Errorf("column %d: got %q %v %q, want %q %v %q", i, c.Name, c.Type, cells(c), w.name, w.typ, w.values)
		}
		if got.Rows != len(w.values) {
			t.Errorf("got %d rows, want %d", got.Rows, len(w.values))
		}
	}
}

// wantError checks that err is an *Error with the given line, column and a
// message containing msg.
func wantError(t *testing.T, err error, line int, column, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want *Error", err, err)
	}
	if e.Line != line || e.Column != column || !strings.Contains(e.Msg, msg) {
		t.Fatalf("got %q (line %d, column %q), want line %d, column %q, message containing %q", err, e.Line, e.Column, line, column, msg)
	}
}
