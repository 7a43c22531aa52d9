// Package drift compares a model's production inputs with its reference data.
//
// A Profile summarises the reference alone and is saved as a versioned file,
// so the raw reference is never needed again. Compare tests each column of a
// current sample against the profile (Kolmogorov-Smirnov for numeric columns,
// chi-square for categorical ones, a two-proportion z-test for booleans),
// corrects for testing many columns at once, and grades what drifted.
package drift

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/internal/fsort"
	"github.com/warden-ml/warden/stats"
)

// Profile file identification. Version changes whenever the encoding changes
// in a way older readers cannot follow.
const (
	profileFormat  = "warden-profile"
	ProfileVersion = 1
)

// Profile is everything Compare needs to know about the reference data.
type Profile struct {
	Source  string           `json:"source,omitempty"`
	Rows    int              `json:"rows"`
	Columns []*ColumnProfile `json:"columns"`
	// Outlier is the outlier detector fitted on the same reference rows,
	// in package outlier's binary encoding: a profile cannot give it back
	// (it keeps columns, not rows), so it travels with the profile. Empty
	// when none was fitted.
	Outlier []byte `json:"outlier,omitempty"`
	// WrittenBy names the program that wrote the file ("warden v1.2.0
	// (commit ...)"), for people; readers ignore it.
	WrittenBy string `json:"written_by,omitempty"`
	// FormatVersion is the version of the file the profile was decoded
	// from; 0 for a profile built in memory.
	FormatVersion int `json:"-"`
}

// ColumnProfile describes one reference column.
type ColumnProfile struct {
	Name    string       `json:"name"`
	Type    dataset.Type `json:"type"`
	Unit    string       `json:"unit,omitempty"`
	Rows    int          `json:"rows"`
	Missing int          `json:"missing"`
	Inf     int          `json:"inf,omitempty"`
	Invalid int          `json:"invalid,omitempty"` // values of the wrong type, counted as missing too (streams only)

	// Mismatch, in a profile of current data read with the reference's
	// types as hints (dataset.Options.Hints), says why the column's type
	// differs from the reference's: where its first value that does not
	// parse as that type is, and what it is. Not saved.
	Mismatch string `json:"-"`

	// Values holds the finite values of numeric, boolean and datetime
	// columns, sorted ascending: exact, so tests on a profile equal tests
	// on the raw data.
	Values sortedValues `json:"values,omitzero"`

	// Categories holds categorical levels with their counts, most frequent
	// first (ties by value), missing values excluded.
	Categories []Category `json:"categories,omitempty"`

	// The reference side of every comparison is the same: summarise once.
	summaryOnce sync.Once
	cached      Summary

	// Streams test many small windows against the same reference column.
	ksOnce  sync.Once
	ksIndex *stats.KSIndex
}

// summary is summarize(c), computed once; a profile is not changed after it
// is built or decoded.
func (c *ColumnProfile) summary() Summary {
	c.summaryOnce.Do(func() { c.cached = summarize(c) })
	return c.cached
}

// Summary describes the column as a report's reference side does: a
// *NumericSummary for numeric, datetime and text columns (the last with no
// values), a *CategoricalSummary for categorical and boolean ones.
func (c *ColumnProfile) Summary() Summary { return c.summary() }

// ks is the column's KS index, built once; nil when the column has no
// finite values to index.
func (c *ColumnProfile) ks() *stats.KSIndex {
	c.ksOnce.Do(func() { c.ksIndex, _ = stats.NewKSIndex(c.Values) })
	return c.ksIndex
}

// Category is one level of a categorical column and how often it occurs.
type Category struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Column returns the profile of the named column, or nil.
func (p *Profile) Column(name string) *ColumnProfile {
	for _, c := range p.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Types returns the column types, to read current data the same way the
// reference was read (as dataset.Options.Hints, so that a schema change is
// reported rather than fatal).
func (p *Profile) Types() map[string]dataset.Type {
	types := make(map[string]dataset.Type, len(p.Columns))
	for _, c := range p.Columns {
		if c.Type != dataset.Unknown {
			types[c.Name] = c.Type
		}
	}
	return types
}

// ProfileOptions control how a profile is built.
type ProfileOptions struct {
	// Units maps column names to display units ("$", "km"); columns not
	// named get a unit guessed from their name (see GuessUnit).
	Units map[string]string
}

// NewProfile summarises a table.
func NewProfile(t *dataset.Table, opts ProfileOptions) (*Profile, error) {
	if t == nil {
		return nil, errors.New("drift: no table")
	}
	if t.Rows > maxProfileValues {
		return nil, fmt.Errorf("drift: %s has %d rows; exact profiles hold at most %d", t.Source, t.Rows, maxProfileValues)
	}
	p := &Profile{Source: t.Source, Rows: t.Rows, Columns: make([]*ColumnProfile, len(t.Columns))}
	forEach(len(t.Columns), func(i int) {
		p.Columns[i] = newColumnProfile(t.Columns[i], opts)
	})
	return p, nil
}

func newColumnProfile(c *dataset.Column, opts ProfileOptions) *ColumnProfile {
	cp := &ColumnProfile{Name: c.Name, Type: c.Type, Rows: c.Len(), Missing: c.Missing, Inf: c.Inf}
	if m := c.Mismatch; m != nil {
		cp.Mismatch = m.Msg
		if m.Line > 0 {
			cp.Mismatch = fmt.Sprintf("line %d: %s", m.Line, m.Msg)
		}
	}
	if u, ok := opts.Units[c.Name]; ok {
		cp.Unit = u
	} else if c.Type == dataset.Numeric {
		cp.Unit = GuessUnit(c.Name)
	}
	switch c.Type {
	case dataset.Numeric, dataset.Boolean, dataset.Datetime:
		vals := make([]float64, 0, len(c.Floats)-c.Missing-c.Inf)
		for _, v := range c.Floats {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				vals = append(vals, v)
			}
		}
		fsort.Sort(vals)
		cp.Values = vals
	case dataset.Categorical:
		counts := make([]int, len(c.Levels))
		for _, code := range c.Codes {
			if code >= 0 {
				counts[code]++
			}
		}
		for i, n := range counts {
			if n > 0 {
				cp.Categories = append(cp.Categories, Category{Value: c.Levels[i], Count: n})
			}
		}
		sortCategories(cp.Categories)
	}
	return cp
}

// sortCategories orders categories most frequent first, ties by value, so
// profiles are deterministic.
func sortCategories(cats []Category) {
	slices.SortFunc(cats, func(a, b Category) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Value, b.Value)
	})
}

// GuessUnit guesses a display unit from a column name: money for amounts and
// prices, kilometres, days and hours for names ending so.
func GuessUnit(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "amount") || strings.Contains(n, "price") || strings.Contains(n, "usd") ||
		strings.Contains(n, "revenue") || strings.Contains(n, "cost") || strings.Contains(n, "balance"):
		return "$"
	case strings.HasSuffix(n, "_km"):
		return "km"
	case strings.HasSuffix(n, "_days"):
		return "days"
	case strings.HasSuffix(n, "_hours"):
		return "h"
	}
	return ""
}

// profileFile is the on-disk envelope: identification first, so that a wrong
// file is rejected before anything else is read.
type profileFile struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	*Profile
}

// Encode writes the profile as gzip-compressed JSON.
func (p *Profile) Encode(w io.Writer) error {
	zw := gzip.NewWriter(w)
	enc := json.NewEncoder(zw)
	if err := enc.Encode(profileFile{Format: profileFormat, Version: ProfileVersion, Profile: p}); err != nil {
		return err
	}
	return zw.Close()
}

// profilePrefix is how every encoded profile begins once decompressed:
// Encode writes the envelope's format first.
var profilePrefix = []byte(`{"format":"` + profileFormat + `"`)

// IsProfile reports whether r, read from its start, holds a profile as
// Encode writes it, by its content alone: gzip whose text begins with the
// profile's format name. A profile of a version this build cannot read, or
// damaged after its first bytes, still counts, so that DecodeProfile can say
// what is wrong with it. It reads at most a few kilobytes of r.
func IsProfile(r io.Reader) bool {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return false
	}
	head := make([]byte, len(profilePrefix))
	if _, err := io.ReadFull(zr, head); err != nil {
		return false
	}
	return bytes.Equal(head, profilePrefix)
}

// DecodeProfile reads a profile written by Encode. name is used in errors.
func DecodeProfile(r io.Reader, name string) (*Profile, error) {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("%s: not a Warden profile (%v)", name, err)
	}
	var f profileFile
	dec := json.NewDecoder(zr)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: not a Warden profile (%v)", name, err)
	}
	if f.Format != profileFormat {
		return nil, fmt.Errorf("%s: not a Warden profile (format %q)", name, f.Format)
	}
	if f.Version < 1 || f.Version > ProfileVersion {
		return nil, fmt.Errorf("%s: profile version %d is not supported (this warden reads version %d)", name, f.Version, ProfileVersion)
	}
	if f.Profile == nil {
		return nil, fmt.Errorf("%s: profile has no content", name)
	}
	if err := f.Profile.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f.Profile.FormatVersion = f.Version
	return f.Profile, nil
}

// validate rejects profiles that could not have been written by Encode, so a
// damaged file fails here rather than as a wrong answer later.
func (p *Profile) validate() error {
	seen := map[string]bool{}
	for i, c := range p.Columns {
		if c == nil || c.Name == "" {
			return fmt.Errorf("columns[%d]: no name", i)
		}
		if seen[c.Name] {
			return fmt.Errorf("columns[%d]: duplicate column %q", i, c.Name)
		}
		seen[c.Name] = true
		if c.Rows < 0 || c.Missing < 0 || c.Inf < 0 || c.Missing+c.Inf+len(c.Values) > c.Rows {
			return fmt.Errorf("column %q: inconsistent counts", c.Name)
		}
		for _, cat := range c.Categories {
			if cat.Count <= 0 {
				return fmt.Errorf("column %q: category %q has count %d", c.Name, cat.Value, cat.Count)
			}
		}
	}
	return nil
}

// SaveProfile writes p to path.
func SaveProfile(p *Profile, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := p.Encode(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// LoadProfile reads a profile from path.
func LoadProfile(path string) (*Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeProfile(f, path)
}

// maxProfileValues bounds the exact values a profile column holds (512 MiB
// of float64s); larger references need sketches.
const maxProfileValues = 1 << 26

// sortedValues encodes a sorted sample compactly as its distinct values
// (little-endian float64) and their multiplicities (uvarints), both base64:
// real data repeat values a lot, and JSON number lists are five times larger.
type sortedValues []float64

type sortedValuesJSON struct {
	Distinct string `json:"distinct"`
	Counts   string `json:"counts"`
}

func (s sortedValues) MarshalJSON() ([]byte, error) {
	var distinct, counts []byte
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j] == s[i] {
			j++
		}
		distinct = binary.LittleEndian.AppendUint64(distinct, math.Float64bits(s[i]))
		counts = binary.AppendUvarint(counts, uint64(j-i))
		i = j
	}
	return json.Marshal(sortedValuesJSON{
		Distinct: base64.StdEncoding.EncodeToString(distinct),
		Counts:   base64.StdEncoding.EncodeToString(counts),
	})
}

func (s *sortedValues) UnmarshalJSON(b []byte) error {
	var enc sortedValuesJSON
	if err := json.Unmarshal(b, &enc); err != nil {
		return err
	}
	distinct, err := base64.StdEncoding.DecodeString(enc.Distinct)
	if err != nil || len(distinct)%8 != 0 {
		return errors.New("values: damaged distinct list")
	}
	counts, err := base64.StdEncoding.DecodeString(enc.Counts)
	if err != nil {
		return errors.New("values: damaged count list")
	}
	var out []float64
	prev := math.Inf(-1)
	total := uint64(0)
	for len(distinct) > 0 {
		v := math.Float64frombits(binary.LittleEndian.Uint64(distinct))
		distinct = distinct[8:]
		n, k := binary.Uvarint(counts)
		if k <= 0 || n == 0 || math.IsNaN(v) || math.IsInf(v, 0) || v <= prev {
			return errors.New("values: damaged or unsorted")
		}
		// The bound keeps a damaged file from asking for terabytes.
		if total += n; total > maxProfileValues {
			return fmt.Errorf("values: more than %d values in one column", maxProfileValues)
		}
		counts = counts[k:]
		for range n {
			out = append(out, v)
		}
		prev = v
	}
	if len(counts) != 0 {
		return errors.New("values: more counts than values")
	}
	*s = out
	return nil
}
