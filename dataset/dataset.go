// Package dataset reads tabular files (CSV and JSON lines) into typed columns.
//
// Every value is kept: missing values (empty, NA, null, NaN, ...) and ±Inf are
// counted per column rather than dropped, so reports can say how many there
// were. Malformed input yields an *Error naming the file, line and column.
//
// # CSV
//
// A header row is required and its names must be present and distinct.
// Fields follow RFC 4180: a quoted field may hold delimiters, newlines and
// quotes written twice (""); a quote inside an unquoted field is an error.
// The delimiter (',', ';' or tab) is detected from the header and the first
// records unless Options.Delimiter gives one. A UTF-8 byte order mark is
// skipped, CRLF and LF both end records, and blank lines are skipped (so an
// empty value in a one-column file is written ""). Every record must have as
// many fields as the header. A file with a header and no records gives a
// Table with 0 rows and the header's columns, typed Unknown unless forced.
//
// # JSON lines
//
// Each non-blank line holds one JSON object. Nested objects are flattened
// with dots: {"features":{"amount":3}} gives the column "features.amount".
// A key absent from a row is a missing value in that row, as is null.
// Columns come in the order their keys first appear. Arrays are an error
// unless Options.Columns leaves their key out. A key given twice in one
// object, also as a dotted key and a nested object, is an error: JSON
// parsers disagree about which copy wins, which would let a value hide.
// Numbers keep full float64 precision. Every key is a column with a cell in
// every row, so input whose keys keep changing from line to line (more
// than four cells per input byte) is refused rather than let memory grow
// with the square of its length; Options.Columns picks the keys wanted.
//
// # Values
//
// Missing: empty, NA, N/A, null, None, NaN in any case, with surrounding
// spaces and tabs ignored (quoted or not). Infinite: inf or infinity in any
// case with an optional sign. Numbers are decimal with an optional exponent;
// hexadecimal, digit separators and decimal commas are not numbers.
//
// # Types
//
// A column's type is inferred from all its values, not a sample, so a single
// odd value anywhere changes it:
//   - no value present: Unknown, Floats all NaN;
//   - every value a boolean word (true/false, yes/no, t/f in any case) or the
//     number 0 or 1: Boolean; a column of numbers only is Boolean when both 0
//     and 1 occur, so a constant 0 or 1 (one month of a month column) stays
//     Numeric and keeps its type in another slice of the same data;
//   - every value a number or ±Inf: Numeric;
//   - every value an ISO-8601 date or date-time (2011-01-01,
//     2011-01-01T10:00:00Z, 2011-01-01 10:00:00, with optional fraction and
//     offset): Datetime, in Unix seconds UTC, a time without offset being
//     UTC (float64 seconds hold about a microsecond for present-day dates);
//   - otherwise text: Text when more than half the values are distinct and
//     they either average more than 20 bytes or mostly contain a space
//     (free-form input such as prompts or comments), else Categorical.
//
// Categorical and Text levels are sorted bytewise, so codes do not depend on
// row order. Options.Types overrides inference; forcing Categorical or Text
// keeps every value's text as written ("1.50", "007").
//
// Options.Hints gives types the data is expected to have, such as its
// reference's when current data is read, without binding it to them: a
// hinted column that is absent is left out, one whose values all parse as
// its hint gets that type (0s and 1s stay Numeric under a Numeric hint, a
// Categorical hint keeps numbers as written), and one whose values do not
// gets the type inferred from them, Column.Mismatch holding the error that
// forcing the hint would have given at the first value that does not parse.
// A schema change thus reaches the caller as data, not as a failed read.
//
// # Errors
//
// Lines are physical lines, the first being 1. A problem with a record is
// reported at the line the record starts on; an unclosed quote at the line
// it opened on; a value that does not parse as its forced type, or invalid
// UTF-8, at the line it is on. A column that Options.Columns or
// Options.Types names and the input lacks is a *MissingColumnError, which
// lists the columns the input has.
//
// # Resources
//
// The input is read into memory whole (gzip is decompressed first); columns
// need 8 bytes a value for numbers and 4 for codes. Inputs of several
// megabytes are cut into runs of whole records (one per core, each at least
// 1 MiB) that are parsed in parallel; the result does not depend on the cut.
package dataset

import (
	"fmt"
	"math"
	"strings"
)

// Type is the logical type of a column.
type Type uint8

const (
	// Unknown is the type of a column with no non-missing value to infer from.
	Unknown Type = iota
	Numeric
	Categorical
	Boolean
	Datetime
	Text
)

var typeNames = [...]string{"unknown", "numeric", "categorical", "boolean", "datetime", "text"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", t)
}

// ParseType parses a type name as printed by String.
func ParseType(s string) (Type, error) {
	for i, n := range typeNames {
		if strings.EqualFold(s, n) && i != int(Unknown) {
			return Type(i), nil
		}
	}
	return Unknown, fmt.Errorf("unknown column type %q (want numeric, categorical, boolean, datetime or text)", s)
}

// MarshalText makes types print by name in JSON.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText parses a type name.
func (t *Type) UnmarshalText(b []byte) error {
	if string(b) == "unknown" {
		*t = Unknown
		return nil
	}
	v, err := ParseType(string(b))
	*t = v
	return err
}

// Column holds one column of a table.
type Column struct {
	Name string
	Type Type

	// Floats holds Numeric, Boolean (0 or 1), Datetime (Unix seconds, UTC)
	// and Unknown columns: one value per row, NaN marking a missing value.
	// ±Inf values are kept as they are.
	Floats []float64

	// Codes holds Categorical and Text columns as dictionary codes, one per
	// row, -1 marking a missing value; Levels[code] is the value.
	Codes  []int32
	Levels []string

	Missing int // rows whose value is missing
	Inf     int // rows whose value is +Inf or -Inf (numeric columns)

	// Mismatch is set by the reader when Options.Hints gave the column a
	// type that not all its values have: the first value that does not
	// parse as that type, located as the error forcing it would have been.
	Mismatch *Error
}

// Len is the number of rows in the column.
func (c *Column) Len() int {
	if c.Floats != nil {
		return len(c.Floats)
	}
	return len(c.Codes)
}

// Table is a set of equally long columns read from one source.
type Table struct {
	Source  string // file name, for messages
	Rows    int
	Columns []*Column
}

// Column returns the column with the given name, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Select returns a table of the given rows of t, in that order (copies).
func (t *Table) Select(rows []int) *Table {
	out := &Table{Source: t.Source, Rows: len(rows), Columns: make([]*Column, len(t.Columns))}
	for i, c := range t.Columns {
		nc := &Column{Name: c.Name, Type: c.Type, Levels: c.Levels}
		if c.Floats != nil {
			nc.Floats = make([]float64, len(rows))
			for j, r := range rows {
				nc.Floats[j] = c.Floats[r]
			}
		}
		if c.Codes != nil {
			nc.Codes = make([]int32, len(rows))
			for j, r := range rows {
				nc.Codes[j] = c.Codes[r]
			}
		}
		nc.count()
		out.Columns[i] = nc
	}
	return out
}

// Slice returns rows [lo, hi) of t, sharing its memory.
func (t *Table) Slice(lo, hi int) *Table {
	out := &Table{Source: t.Source, Rows: hi - lo, Columns: make([]*Column, len(t.Columns))}
	for i, c := range t.Columns {
		nc := &Column{Name: c.Name, Type: c.Type, Levels: c.Levels}
		if c.Floats != nil {
			nc.Floats = c.Floats[lo:hi]
		}
		if c.Codes != nil {
			nc.Codes = c.Codes[lo:hi]
		}
		nc.count()
		out.Columns[i] = nc
	}
	return out
}

// count sets Missing and Inf from the values.
func (c *Column) count() {
	c.Missing, c.Inf = 0, 0
	for _, v := range c.Floats {
		switch {
		case math.IsNaN(v):
			c.Missing++
		case math.IsInf(v, 0):
			c.Inf++
		}
	}
	for _, code := range c.Codes {
		if code < 0 {
			c.Missing++
		}
	}
}

// Error is a problem with the input, located as precisely as possible.
// Line is 1-based (0 when unknown); Column is empty when not known.
type Error struct {
	File   string
	Line   int
	Column string
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}
