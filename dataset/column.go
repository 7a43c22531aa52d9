package dataset

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
)

// colKind says how the first pass treats a column's cells.
type colKind uint8

const (
	kindInfer    colKind = iota // parse as a number; on failure leave it to the string pass
	kindNumeric                 // forced Numeric
	kindBoolean                 // forced Boolean
	kindDatetime                // forced Datetime
	kindString                  // forced Categorical or Text: only the string pass reads it
)

func kindOf(forced Type) colKind {
	switch forced {
	case Numeric:
		return kindNumeric
	case Boolean:
		return kindBoolean
	case Datetime:
		return kindDatetime
	case Categorical, Text:
		return kindString
	}
	return kindInfer
}

// part is one column within one chunk of the input.
type part struct {
	floats []float64
	// failed is set when an inferred column meets a value that is not a
	// number; the column is then read again as strings.
	failed bool

	codes  []int32
	dict   map[string]int32
	levels []string
}

// parseCell converts one cell for the first pass. It reports false when the
// cell does not parse as the kind asks; kindString never reaches here.
func parseCell(kind colKind, text []byte) (float64, bool) {
	t := trimSpace(text)
	if isMissing(t) {
		return math.NaN(), true
	}
	switch kind {
	case kindBoolean:
		return parseBool(t)
	case kindDatetime:
		return parseDatetime(t)
	}
	return parseNumber(t)
}

// parseError explains why a cell does not parse as a forced type.
func parseError(kind colKind, text []byte) string {
	const maxShown = 60
	shown := string(text)
	if len(shown) > maxShown {
		shown = strings.ToValidUTF8(shown[:maxShown], "") + "..."
	}
	switch kind {
	case kindBoolean:
		return fmt.Sprintf("%q is not a boolean (want true/false, yes/no, t/f or 1/0)", shown)
	case kindDatetime:
		return fmt.Sprintf("%q is not an ISO-8601 date or date-time", shown)
	}
	return fmt.Sprintf("%q is not a number", shown)
}

// add runs one first-pass cell into the part; false means a forced type
// did not parse.
func (p *part) add(kind colKind, text []byte) bool {
	switch kind {
	case kindString:
		return true
	case kindInfer:
		if p.failed {
			return true
		}
		v, ok := parseCell(kind, text)
		if !ok {
			p.failed = true
			p.floats = nil
			return true
		}
		p.floats = append(p.floats, v)
		return true
	}
	v, ok := parseCell(kind, text)
	p.floats = append(p.floats, v)
	return ok
}

// addMissing records an absent cell in the first pass.
func (p *part) addMissing(kind colKind) {
	if kind != kindString && !p.failed {
		p.floats = append(p.floats, math.NaN())
	}
}

// intern records one cell in the string pass.
func (p *part) intern(text []byte) {
	if isMissing(trimSpace(text)) {
		p.codes = append(p.codes, -1)
		return
	}
	code, ok := p.dict[string(text)]
	if !ok {
		code = int32(len(p.levels))
		s := string(text)
		p.dict[s] = code
		p.levels = append(p.levels, s)
	}
	p.codes = append(p.codes, code)
}

func newStringPart(capacity int) part {
	return part{codes: make([]int32, 0, capacity), dict: make(map[string]int32)}
}

// finishFloats builds a column from first-pass parts (nil parts, for JSON
// keys absent from a chunk, are all missing).
func finishFloats(name string, forced Type, parts []*part, rows []int) *Column {
	// The first chunk's slice was sized for the whole input, so the others
	// usually append without moving it.
	var floats []float64
	for i, p := range parts {
		switch {
		case p != nil && i == 0:
			floats = p.floats
		case p != nil:
			floats = append(floats, p.floats...)
		default:
			for range rows[i] {
				floats = append(floats, math.NaN())
			}
		}
	}
	if floats == nil {
		floats = []float64{}
	}
	c := &Column{Name: name, Type: forced, Floats: floats}
	zeroOne := true
	for _, v := range floats {
		switch {
		case v != v:
			c.Missing++
		case math.IsInf(v, 0):
			c.Inf++
			zeroOne = false
		case v != 0 && v != 1:
			zeroOne = false
		}
	}
	if forced != Unknown {
		return c
	}
	switch {
	case c.Missing == len(floats):
		c.Type = Unknown
	case zeroOne:
		c.Type = Boolean
	default:
		c.Type = Numeric
	}
	return c
}

// finishStrings builds a column from string-pass parts. Levels are sorted so
// the result does not depend on row order or on how the input was split.
func finishStrings(name string, forced Type, parts []*part, rows []int) *Column {
	index := make(map[string]int32)
	var levels []string
	remaps := make([][]int32, len(parts))
	for i, p := range parts {
		if p == nil {
			continue
		}
		remap := make([]int32, len(p.levels))
		for j, l := range p.levels {
			code, ok := index[l]
			if !ok {
				code = int32(len(levels))
				index[l] = code
				levels = append(levels, l)
			}
			remap[j] = code
		}
		remaps[i] = remap
	}
	order := make([]int32, len(levels))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(levels[a], levels[b]) })
	rank := make([]int32, len(levels))
	sorted := make([]string, len(levels))
	for r, code := range order {
		rank[code] = int32(r)
		sorted[r] = levels[code]
	}

	total := 0
	for _, r := range rows {
		total += r
	}
	single := len(parts) == 1 && parts[0] != nil
	var codes []int32
	if single {
		codes = parts[0].codes // relabelled in place
	} else {
		codes = make([]int32, 0, total)
	}
	counts := make([]int, len(levels))
	missing := 0
	for i, p := range parts {
		if p == nil {
			for range rows[i] {
				codes = append(codes, -1)
			}
			missing += rows[i]
			continue
		}
		start := 0
		if !single {
			start = len(codes)
			codes = append(codes, p.codes...)
		}
		for k := start; k < len(codes); k++ {
			if c := codes[k]; c >= 0 {
				r := rank[remaps[i][c]]
				codes[k] = r
				counts[r]++
			} else {
				missing++
			}
		}
	}
	if codes == nil {
		codes = []int32{}
	}

	c := &Column{Name: name, Type: forced, Missing: missing}
	if forced == Unknown {
		c.Type = inferStrings(sorted, counts, total-missing)
	}
	switch c.Type {
	case Boolean, Datetime:
		parse := parseBool
		if c.Type == Datetime {
			parse = parseDatetime
		}
		values := make([]float64, len(sorted))
		for i, l := range sorted {
			values[i], _ = parse(trimSpace([]byte(l)))
		}
		c.Floats = make([]float64, len(codes))
		for i, code := range codes {
			if code < 0 {
				c.Floats[i] = math.NaN()
			} else {
				c.Floats[i] = values[code]
			}
		}
	default:
		c.Codes = codes
		c.Levels = sorted
	}
	return c
}

// inferStrings types a column that holds at least one non-number, from its
// distinct values and their counts:
//   - every value a boolean word or 0/1: Boolean;
//   - every value an ISO-8601 date or date-time: Datetime;
//   - more than half the values distinct, and the values either longer than
//     20 bytes on average or mostly containing a space: Text;
//   - otherwise Categorical.
func inferStrings(levels []string, counts []int, present int) Type {
	if present == 0 {
		return Unknown
	}
	allBool, allTime := true, true
	for _, l := range levels {
		b := trimSpace([]byte(l))
		if allBool {
			_, allBool = parseBool(b)
		}
		if allTime {
			_, allTime = parseDatetime(b)
		}
		if !allBool && !allTime {
			break
		}
	}
	switch {
	case allBool:
		return Boolean
	case allTime:
		return Datetime
	}
	if 2*len(levels) <= present {
		return Categorical
	}
	bytesTotal, spaced := 0, 0
	for i, l := range levels {
		bytesTotal += counts[i] * len(l)
		if strings.IndexByte(l, ' ') >= 0 {
			spaced += counts[i]
		}
	}
	if bytesTotal > 20*present || 2*spaced > present {
		return Text
	}
	return Categorical
}

// countByte counts c in b; a name that reads better at call sites.
func countByte(b []byte, c byte) int { return bytes.Count(b, []byte{c}) }
