package outlier

import (
	"fmt"
	"math"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/event"
)

// loadEvent fills s from an input's features. Unknown features are
// appended to v.Unknown (an error when strict); excluded ones are ignored.
func (d *Detector) loadEvent(row []event.Feature, s *scratch, v *Verdict, strict bool) error {
	for pos := range row {
		f := &row[pos]
		idx := -1
		// Inputs usually list features in reference order: try that first.
		if pos < len(d.features) && d.features[pos].name == f.Name {
			idx = pos
		} else if i, ok := d.index[f.Name]; ok {
			idx = i
		}
		if idx < 0 {
			if d.excluded[f.Name] {
				continue
			}
			if strict {
				return fmt.Errorf("feature %q is not in the reference", f.Name)
			}
			v.Unknown = append(v.Unknown, f.Name)
			continue
		}
		if s.seen[idx] == s.gen {
			return fmt.Errorf("feature %q given twice", f.Name)
		}
		s.seen[idx] = s.gen
		ft := d.features[idx]
		val := f.Value
		if val.Kind == event.Null {
			if strict {
				return fmt.Errorf("feature %q is null", f.Name)
			}
			continue
		}
		switch ft.kind {
		case kindNumeric, kindBoolean:
			switch {
			case val.Kind == event.Number, val.Kind == event.Bool && ft.kind == kindBoolean:
			default:
				return fmt.Errorf("feature %q: want %s, got %s", f.Name, wantNumber(ft.kind), kindName(val))
			}
			if strict && (math.IsNaN(val.Num) || math.IsInf(val.Num, 0)) {
				return fmt.Errorf("feature %q: %v is not a finite number", f.Name, val.Num)
			}
			s.x[ft.slot] = val.Num
		case kindCategorical:
			if val.Kind != event.String {
				return fmt.Errorf("feature %q: want string, got %s", f.Name, kindName(val))
			}
			s.catValue[ft.slot] = val.Str
			s.share[ft.slot] = d.cats[ft.slot].shareOf(val.Str)
		}
	}
	if strict {
		for i, f := range d.features {
			if s.seen[i] != s.gen {
				return fmt.Errorf("feature %q is missing", f.name)
			}
		}
	}
	return nil
}

func wantNumber(k featureKind) string {
	if k == kindBoolean {
		return "boolean or number"
	}
	return "number"
}

func kindName(v event.Value) string {
	switch v.Kind {
	case event.Number:
		return "number"
	case event.String:
		return "string"
	case event.Bool:
		return "boolean"
	default:
		return "null"
	}
}

func (c *category) shareOf(level string) float64 {
	if code, ok := c.levels[level]; ok {
		return c.share[code]
	}
	return 0
}

// tableBinding maps a table's columns onto the detector's features once.
type tableBinding struct {
	num     [][]float64 // per numeric slot; nil when the table lacks it
	codes   [][]int32   // per categorical slot
	levels  [][]string
	shares  [][]float64 // per categorical slot, per table code
	unknown []string
}

func (d *Detector) bindTable(t *dataset.Table) (*tableBinding, error) {
	b := &tableBinding{
		num:    make([][]float64, len(d.numeric)),
		codes:  make([][]int32, len(d.cats)),
		levels: make([][]string, len(d.cats)),
		shares: make([][]float64, len(d.cats)),
	}
	for _, c := range t.Columns {
		idx, ok := d.index[c.Name]
		if !ok {
			if !d.excluded[c.Name] {
				b.unknown = append(b.unknown, c.Name)
			}
			continue
		}
		f := d.features[idx]
		if c.Type == dataset.Unknown {
			continue // no value present: every row is missing
		}
		switch f.kind {
		case kindNumeric, kindBoolean:
			if c.Type != dataset.Numeric && c.Type != dataset.Boolean {
				return nil, fmt.Errorf("outlier: %s column %q: want %s values, got %v", t.Source, c.Name, f.kind, c.Type)
			}
			if len(c.Floats) != t.Rows {
				return nil, fmt.Errorf("outlier: %s column %q has %d values for %d rows", t.Source, c.Name, len(c.Floats), t.Rows)
			}
			b.num[f.slot] = c.Floats
		case kindCategorical:
			if c.Type != dataset.Categorical && c.Type != dataset.Text {
				return nil, fmt.Errorf("outlier: %s column %q: want categorical values, got %v", t.Source, c.Name, c.Type)
			}
			if len(c.Codes) != t.Rows {
				return nil, fmt.Errorf("outlier: %s column %q has %d values for %d rows", t.Source, c.Name, len(c.Codes), t.Rows)
			}
			shares := make([]float64, len(c.Levels))
			for code, level := range c.Levels {
				shares[code] = d.cats[f.slot].shareOf(level)
			}
			b.codes[f.slot], b.levels[f.slot], b.shares[f.slot] = c.Codes, c.Levels, shares
		}
	}
	return b, nil
}

// loadTableRow fills s from row i of a bound table. It reports an invalid
// code as an error.
func (d *Detector) loadTableRow(b *tableBinding, i int, s *scratch) error {
	for slot, col := range b.num {
		if col != nil {
			s.x[slot] = col[i]
		}
	}
	for slot, codes := range b.codes {
		if codes == nil {
			continue
		}
		code := codes[i]
		switch {
		case code < 0:
		case int(code) >= len(b.shares[slot]):
			return fmt.Errorf("outlier: column %q row %d: code %d has no level", d.catName[slot], i, code)
		default:
			s.share[slot] = b.shares[slot][code]
			s.catValue[slot] = b.levels[slot][code]
		}
	}
	return nil
}

// TableRow appends row i of t to dst as features, the shape events carry:
// numeric and date-time columns as numbers, booleans as booleans,
// categorical and text columns as strings, missing values as null.
func TableRow(t *dataset.Table, i int, dst []event.Feature) ([]event.Feature, error) {
	if t == nil || i < 0 || i >= t.Rows {
		return dst, fmt.Errorf("outlier: TableRow: row %d out of range", i)
	}
	for _, c := range t.Columns {
		var v event.Value
		switch c.Type {
		case dataset.Categorical, dataset.Text:
			if i >= len(c.Codes) {
				return dst, fmt.Errorf("outlier: TableRow: column %q has no row %d", c.Name, i)
			}
			if code := c.Codes[i]; code >= 0 && int(code) < len(c.Levels) {
				v = event.StringValue(c.Levels[code])
			}
		default:
			if i >= len(c.Floats) {
				return dst, fmt.Errorf("outlier: TableRow: column %q has no row %d", c.Name, i)
			}
			f := c.Floats[i]
			switch {
			case math.IsNaN(f):
			case c.Type == dataset.Boolean:
				v = event.BoolValue(f != 0)
			default:
				v = event.NumberValue(f)
			}
		}
		dst = append(dst, event.Feature{Name: c.Name, Value: v})
	}
	return dst, nil
}
