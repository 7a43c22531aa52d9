package dataset

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// colKind says what a column's type is forced to, if anything.
type colKind uint8

const (
	kindInfer    colKind = iota
	kindNumeric          // forced Numeric
	kindBoolean          // forced Boolean
	kindDatetime         // forced Datetime
	kindString           // forced Categorical or Text
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

// mode is how a part reads its cells now. An inferred column starts as
// numbers and moves on when a value does not fit: to booleans if every
// number so far was 0 or 1 and the value is a boolean word, to datetimes if
// nothing came before, else to strings. The mode a part ends in is thus the
// first of number, boolean, datetime that fits all its values, or strings.
type mode uint8

const (
	modeNumber mode = iota
	modeBool
	modeTime
	modeString
)

// part is one column within one chunk of the input.
type part struct {
	mode mode
	// hint is the type Options.Hints expects of an inferred column
	// (kindNumeric, kindBoolean or kindDatetime; kindInfer: none), and miss
	// the first cell that does not parse as it.
	hint colKind
	miss *miss
	// floats holds a value per row in the number, boolean and time modes.
	floats []float64

	// In string mode, codes holds the rows from strFrom on; rows before it
	// had values of another mode and are read again by the string pass,
	// after which codes covers every row.
	strFrom int
	codes   []int32
	dict    map[string]int32
	levels  []string
}

// miss is a cell that does not parse as its column's hinted type.
type miss struct {
	line int
	text string
}

// newPart starts a part for a column whose first rows (a JSON key seen
// late) are absent. hint is the hinted type of an inferred column.
func newPart(kind, hint colKind, absent, capacity int) part {
	p := part{hint: hint}
	switch kind {
	case kindString:
		p.mode = modeString
		p.dict = make(map[string]int32)
		p.codes = make([]int32, absent, max(capacity, absent))
		for i := range p.codes {
			p.codes[i] = -1
		}
		return p
	case kindBoolean:
		p.mode = modeBool
	case kindDatetime:
		p.mode = modeTime
	}
	p.floats = make([]float64, absent, max(capacity, absent))
	for i := range p.floats {
		p.floats[i] = math.NaN()
	}
	return p
}

// add takes the cell of row row, on line line. It reports false when the
// cell does not parse as a forced type.
func (p *part) add(kind colKind, text []byte, row, line int) bool {
	if p.mode == modeString {
		// A hinted part only gets here after a cell that missed the hint.
		p.intern(text)
		return true
	}
	t := trimSpace(text)
	if isMissing(t) {
		p.floats = append(p.floats, math.NaN())
		return true
	}
	v, ok := p.parse(t)
	if p.hint != kindInfer && p.miss == nil && !(ok && p.fits(v)) {
		if _, fits := parseAs(p.hint, t); !fits {
			p.missed(text, line)
		}
	}
	if !ok && kind == kindInfer {
		switch {
		case p.mode == modeNumber && p.zeroOne():
			if v, ok = parseBool(t); ok {
				p.mode = modeBool
				break
			}
			if !p.hasValues() {
				if v, ok = parseDatetime(t); ok {
					p.mode = modeTime
				}
			}
		}
		if !ok {
			p.toStrings(row)
			p.intern(text)
			return true
		}
	}
	p.floats = append(p.floats, v)
	return ok
}

func (p *part) parse(t []byte) (float64, bool) {
	switch p.mode {
	case modeBool:
		return parseBool(t)
	case modeTime:
		return parseDatetime(t)
	}
	return parseNumber(t)
}

// parseAs parses a trimmed, non-missing cell as a forced or hinted kind.
func parseAs(kind colKind, t []byte) (float64, bool) {
	switch kind {
	case kindBoolean:
		return parseBool(t)
	case kindDatetime:
		return parseDatetime(t)
	}
	return parseNumber(t)
}

// fits reports whether v, just parsed in the part's mode, is a value of the
// hinted type, which spares parsing the cell again as that type.
func (p *part) fits(v float64) bool {
	switch p.hint {
	case kindNumeric:
		return p.mode == modeNumber
	case kindBoolean:
		return p.mode == modeBool || p.mode == modeNumber && (v == 0 || v == 1)
	case kindDatetime:
		return p.mode == modeTime
	}
	return true
}

// missed records the first cell that does not parse as the hinted type.
func (p *part) missed(text []byte, line int) {
	if p.miss == nil {
		p.miss = &miss{line: line, text: string(text)}
	}
}

// addMissing records an absent cell.
func (p *part) addMissing() {
	if p.mode == modeString {
		p.codes = append(p.codes, -1)
	} else {
		p.floats = append(p.floats, math.NaN())
	}
}

// toStrings moves the part to string mode before row row. Rows before it
// must be read again unless they were all missing.
func (p *part) toStrings(row int) {
	p.dict = make(map[string]int32)
	if p.hasValues() {
		p.strFrom = row
		p.codes = make([]int32, 0, cap(p.floats)-row)
	} else {
		p.codes = make([]int32, row, cap(p.floats))
		for i := range p.codes {
			p.codes[i] = -1
		}
	}
	p.mode = modeString
	p.floats = nil
}

func (p *part) hasValues() bool {
	for _, v := range p.floats {
		if v == v {
			return true
		}
	}
	return false
}

// zeroOne reports whether every value so far is 0 or 1.
func (p *part) zeroOne() bool {
	for _, v := range p.floats {
		if v != 0 && v != 1 && v == v {
			return false
		}
	}
	return true
}

// code is the dictionary code of a cell, -1 when missing.
func (p *part) code(text []byte) int32 {
	if isMissing(trimSpace(text)) {
		return -1
	}
	code, ok := p.dict[string(text)]
	if !ok {
		code = int32(len(p.levels))
		s := string(text)
		p.dict[s] = code
		p.levels = append(p.levels, s)
	}
	return code
}

func (p *part) intern(text []byte) { p.codes = append(p.codes, p.code(text)) }

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

// planColumn decides from the first pass how a column ends: its type
// (Unknown leaves finishFloats to choose between Numeric, Boolean and
// Unknown) and whether it needs the string pass. A hinted type (Numeric,
// Boolean or Datetime) is taken when every value parsed as it. Parts are
// nil for chunks that never saw the column.
func planColumn(forced, hint Type, parts []*part) (Type, bool) {
	switch forced {
	case Categorical, Text:
		return forced, true
	case Numeric, Boolean, Datetime:
		return forced, false
	}
	if hint != Unknown && firstMiss(parts) == nil {
		return hint, false
	}
	var numbers, other01, bools, times bool
	for _, p := range parts {
		if p == nil {
			continue
		}
		switch p.mode {
		case modeString:
			return Unknown, true
		case modeBool:
			bools = true
		case modeTime:
			times = true
		case modeNumber:
			if p.hasValues() {
				numbers = true
				other01 = other01 || !p.zeroOne()
			}
		}
	}
	switch {
	case times && (numbers || bools), bools && other01:
		return Unknown, true
	case times:
		return Datetime, false
	case bools:
		return Boolean, false
	}
	return Unknown, false
}

// firstMiss is the first cell of the column, in input order, that does not
// parse as its hinted type; nil when every cell does. A part in string mode
// always has one, as only such a cell takes a hinted part there.
func firstMiss(parts []*part) *miss {
	for _, p := range parts {
		if p != nil && p.miss != nil {
			return p.miss
		}
	}
	return nil
}

// finishFloats builds a column from first-pass parts (nil parts, for JSON
// keys absent from a chunk, are all missing). typ is the column's type as
// planned; Unknown leaves the choice between Numeric, Boolean and Unknown
// to the values.
func finishFloats(name string, typ Type, parts []*part, rows []int) *Column {
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
	c := &Column{Name: name, Type: typ, Floats: floats}
	zeroOne, zeros, ones := true, false, false
	for _, v := range floats {
		switch {
		case v != v:
			c.Missing++
		case math.IsInf(v, 0):
			c.Inf++
			zeroOne = false
		case v == 0:
			zeros = true
		case v == 1:
			ones = true
		default:
			zeroOne = false
		}
	}
	if typ != Unknown {
		return c
	}
	switch {
	case c.Missing == len(floats):
		c.Type = Unknown
	case zeroOne && zeros && ones:
		// A constant 0 or 1 is as likely a count or a code as a flag (a
		// month column of one month, a season); only both values make a
		// boolean, so the same column read from another slice of data does
		// not change type.
		c.Type = Boolean
	default:
		c.Type = Numeric
	}
	return c
}

// finishStrings builds a column from string-pass parts; typ is Categorical
// or Text, or Unknown to choose by the values. Levels are sorted so the
// result does not depend on row order or on how the input was split.
func finishStrings(name string, typ Type, parts []*part, rows []int) *Column {
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

	c := &Column{Name: name, Type: typ, Missing: missing, Codes: codes, Levels: sorted}
	if typ == Unknown {
		c.Type = inferStrings(sorted, counts, total-missing)
	}
	return c
}

// inferStrings tells Text from Categorical for a column that holds values
// no other type fits: Text when more than half the values are distinct and
// they either average more than 20 bytes or mostly contain a space.
func inferStrings(levels []string, counts []int, present int) Type {
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
