package drift

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/warden-ml/warden/dataset"
)

// Accumulator collects current values column by column, shaped by a
// reference profile: the partial summary of some stretch of a stream. Parts
// collected apart (on several workers, or several nodes) merge into one, and
// the merged accumulator becomes a Profile that Compare tests.
//
// Values arrive as raw observations; a value that does not fit the column's
// reference type (text in a numeric column, say) counts as missing and as
// invalid, so a bad producer shows up as a data-quality finding rather than
// as an error that stops monitoring.
type Accumulator struct {
	Rows    int
	Columns []AccColumn
}

// AccColumn is one column's part of an Accumulator.
type AccColumn struct {
	Name    string
	Type    dataset.Type
	Values  []float64      // finite values of numeric and boolean columns, in arrival order
	Cats    map[string]int // categorical counts
	Missing int            // absent, null or invalid
	Invalid int            // present but of the wrong type
	Inf     int
	Sent    int // rows that carried the column at all, null included
}

// NewAccumulator returns an empty accumulator for the tested columns of the
// reference (numeric, boolean and categorical); names restricts them when
// not empty.
func NewAccumulator(ref *Profile, names []string) *Accumulator {
	a := &Accumulator{}
	for _, c := range ref.Columns {
		if len(names) > 0 && !slices.Contains(names, c.Name) {
			continue
		}
		switch c.Type {
		case dataset.Numeric, dataset.Boolean, dataset.Categorical:
			ac := AccColumn{Name: c.Name, Type: c.Type}
			if c.Type == dataset.Categorical {
				ac.Cats = map[string]int{}
			}
			a.Columns = append(a.Columns, ac)
		}
	}
	return a
}

// Index returns the position of the named column, or -1.
func (a *Accumulator) Index(name string) int {
	for i := range a.Columns {
		if a.Columns[i].Name == name {
			return i
		}
	}
	return -1
}

// AddRow counts one row, whose values are then added with AddNumber,
// AddString, AddBool or AddMissing; columns given no value count as missing.
func (a *Accumulator) AddRow() { a.Rows++ }

// AddMissing records an absent or null value in column i.
func (a *Accumulator) AddMissing(i int) {
	a.Columns[i].Missing++
	a.Columns[i].Sent++
}

// AddNumber records a number in column i.
func (a *Accumulator) AddNumber(i int, v float64) {
	c := &a.Columns[i]
	c.Sent++
	switch {
	case math.IsNaN(v):
		c.Missing++
	case c.Type == dataset.Categorical:
		// Categories that look like numbers arrive as JSON numbers.
		c.Cats[strconv.FormatFloat(v, 'g', -1, 64)]++
	case math.IsInf(v, 0):
		c.Inf++
	case c.Type == dataset.Boolean && v != 0 && v != 1:
		c.Missing++
		c.Invalid++
	default:
		c.Values = append(c.Values, v)
	}
}

// AddBool records a boolean in column i.
func (a *Accumulator) AddBool(i int, b bool) {
	c := &a.Columns[i]
	c.Sent++
	switch c.Type {
	case dataset.Categorical:
		c.Cats[strconv.FormatBool(b)]++
	default:
		v := 0.0
		if b {
			v = 1
		}
		c.Values = append(c.Values, v)
	}
}

// AddString records a string in column i; numeric and boolean columns accept
// strings that parse as their type.
func (a *Accumulator) AddString(i int, s string) {
	c := &a.Columns[i]
	switch c.Type {
	case dataset.Categorical:
		c.Sent++
		c.Cats[s]++
		return
	case dataset.Numeric:
		if v, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			a.AddNumber(i, v)
			return
		}
	case dataset.Boolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1", "yes", "t":
			a.AddBool(i, true)
			return
		case "false", "0", "no", "f":
			a.AddBool(i, false)
			return
		}
	}
	c.Sent++
	c.Missing++
	c.Invalid++
}

// Merge adds b's observations to a; both must come from the same reference
// and names.
func (a *Accumulator) Merge(b *Accumulator) {
	a.Rows += b.Rows
	for i := range a.Columns {
		ac, bc := &a.Columns[i], &b.Columns[i]
		ac.Values = append(ac.Values, bc.Values...)
		for k, n := range bc.Cats {
			ac.Cats[k] += n
		}
		ac.Missing += bc.Missing
		ac.Invalid += bc.Invalid
		ac.Inf += bc.Inf
		ac.Sent += bc.Sent
	}
}

// Reset empties the accumulator, keeping its memory.
func (a *Accumulator) Reset() {
	a.Rows = 0
	for i := range a.Columns {
		c := &a.Columns[i]
		c.Values = c.Values[:0]
		clear(c.Cats)
		c.Missing, c.Invalid, c.Inf, c.Sent = 0, 0, 0, 0
	}
}

// Sent lists the columns that at least one row carried: a producer that
// never sends a column (a label that arrives later, say) is not comparing
// it, and an absent column is not a drifting one.
func (a *Accumulator) Sent() []string {
	var names []string
	for _, c := range a.Columns {
		if c.Sent > 0 {
			names = append(names, c.Name)
		}
	}
	return names
}

// Profile summarises the accumulated rows for Compare.
func (a *Accumulator) Profile() *Profile { return a.profile(false) }

// profile is Profile; sorted says the numeric values are sorted already.
func (a *Accumulator) profile(sorted bool) *Profile {
	p := &Profile{Rows: a.Rows, Columns: make([]*ColumnProfile, len(a.Columns))}
	for i := range a.Columns {
		c := &a.Columns[i]
		cp := &ColumnProfile{Name: c.Name, Type: c.Type, Rows: a.Rows, Missing: c.Missing, Invalid: c.Invalid, Inf: c.Inf}
		// Rows with no value at all for this column are missing too.
		seen := len(c.Values) + c.Missing + c.Inf
		for _, n := range c.Cats {
			seen += n
		}
		cp.Missing += a.Rows - seen
		if c.Type == dataset.Categorical {
			for v, n := range c.Cats {
				if n > 0 {
					cp.Categories = append(cp.Categories, Category{Value: v, Count: n})
				}
			}
			sortCategories(cp.Categories)
		} else {
			cp.Values = slices.Clone(c.Values)
			if !sorted {
				slices.Sort(cp.Values)
			}
		}
		p.Columns[i] = cp
	}
	return p
}
