// Package dataset reads tabular files (CSV and JSON lines) into typed columns.
//
// Every value is kept: missing values (empty, NA, null, NaN, ...) and ±Inf are
// counted per column rather than dropped, so reports can say how many there
// were. Malformed input yields an *Error naming the file, line and column.
package dataset

import (
	"fmt"
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
