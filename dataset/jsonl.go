package dataset

import (
	"bytes"
	"fmt"
	"slices"
	"unicode/utf8"
)

// maxOrder bounds how many key positions a chunk remembers.
const maxOrder = 1024

// maxDepth bounds object nesting, so hostile input cannot recurse without end.
const maxDepth = 1000

// jsonColumn is one flattened key within one chunk.
type jsonColumn struct {
	name  string
	kind  colKind
	part  *part
	seen  int // 1 + the last row of the chunk that held the key
	first int // the row of the chunk where the key first held a value
	// prefix collects, in the string pass, the codes of the rows before
	// part.strFrom.
	prefix []int32
}

// jsonKey is one flattened key met in a chunk.
type jsonKey struct {
	name   string
	col    int  // index in the chunk's columns; -1 until the key holds a value that is read
	read   bool // the key is among the columns read
	scalar bool // the key has held a value other than an object
	seen   int  // 1 + the last row holding the key, to catch duplicates
}

// jsonChunk is a run of whole lines, parsed independently of the others,
// with the parser's state for the line at hand.
type jsonChunk struct {
	*reader
	keep map[string]bool // nil keeps every key

	start, end, line int
	rows             int
	sparse           bool // the first pass stopped: the table would be too sparse
	cols             []*jsonColumn
	index            map[string]*jsonKey
	err              *Error

	// stringPass is set for the second pass, which reads only the columns
	// in index, and only their first rows, up to need.
	stringPass bool
	need       int
	estimate   int

	bad int // offset of the first invalid UTF-8 byte in the chunk, -1 if none

	// The line being parsed: buf[lineStart:lineEnd], p the next byte.
	p, lineStart, lineEnd, lineNo int
	row                           int
	path                          []byte // flattened key of the value at hand
	scratch                       []byte // unescaped strings

	// Lines usually list the same keys in the same order: order remembers
	// the key met at each position of the last lines, so most lookups are
	// a comparison rather than a hash.
	order []*jsonKey
	keyNo int // position of the next key in the line
}

func (r *reader) readJSONL() (*Table, error) {
	var keep map[string]bool
	if r.opts.Columns != nil {
		keep = make(map[string]bool, len(r.opts.Columns))
		for _, c := range r.opts.Columns {
			keep[c] = true
		}
	}
	lineBytes := averageLine(r.buf)
	chunks := splitLines(r.buf, r.chunkCount(len(r.buf)))
	for _, ch := range chunks {
		ch.reader, ch.keep = r, keep
		ch.index = make(map[string]*jsonKey)
		// Later chunks' columns are appended to the first chunk's at the
		// end, so the first reserves room for all rows.
		size := ch.end - ch.start
		if ch.start == 0 {
			size = len(r.buf)
		}
		ch.estimate = size/lineBytes + size/lineBytes/16 + 8
	}
	parallel(len(chunks), func(i int) {
		chunks[i].scan()
		if !chunks[i].sparse {
			chunks[i].rows = chunks[i].row
		}
	})
	if err := r.firstProblem(chunks); err != nil {
		return nil, err
	}

	// Columns in order of first appearance, each with its part per chunk.
	var found []string
	byName := make(map[string][]*part)
	for i, ch := range chunks {
		for _, c := range ch.cols {
			parts := byName[c.name]
			if parts == nil {
				parts = make([]*part, len(chunks))
				byName[c.name] = parts
				found = append(found, c.name)
			}
			parts[i] = c.part
		}
	}
	have := func() []string {
		var skipped []string
		for _, ch := range chunks {
			for name, k := range ch.index {
				if k.scalar && !k.read {
					skipped = append(skipped, name)
				}
			}
		}
		slices.Sort(skipped)
		return append(slices.Clone(found), slices.Compact(skipped)...)
	}
	if err := r.checkOptions(func(name string) bool { return byName[name] != nil }, have); err != nil {
		return nil, err
	}
	names := found
	if r.opts.Columns != nil {
		names = r.opts.Columns
	}

	types := make([]Type, len(names))
	isString := make([]bool, len(names))
	var stringNames []string
	for k, name := range names {
		forced, hint := r.typing(name)
		types[k], isString[k] = planColumn(forced, hint, byName[name])
		if isString[k] {
			stringNames = append(stringNames, name)
		}
	}
	if len(stringNames) > 0 {
		parallel(len(chunks), func(i int) { chunks[i].readAgain(stringNames, byName, i) })
	}

	t := &Table{Source: r.name, Columns: make([]*Column, len(names))}
	rows := make([]int, len(chunks))
	for i, ch := range chunks {
		rows[i] = ch.rows
		t.Rows += ch.rows
	}
	parallel(len(names), func(k int) {
		name, parts := names[k], byName[names[k]]
		if isString[k] {
			t.Columns[k] = finishStrings(name, types[k], parts, rows)
		} else {
			t.Columns[k] = finishFloats(name, types[k], parts, rows)
		}
		_, hint := r.typing(name)
		t.Columns[k].Mismatch = r.mismatch(name, hint, parts)
	})
	return t, nil
}

// readAgain completes the named columns of chunk i as strings: parts still
// in another mode switch now, and rows that held values of another mode are
// parsed again. The first pass has validated every line, so nothing can
// fail here.
func (ch *jsonChunk) readAgain(names []string, byName map[string][]*part, i int) {
	ch.cols = ch.cols[:0]
	ch.index = make(map[string]*jsonKey)
	ch.order = ch.order[:0]
	ch.need = 0
	for _, name := range names {
		p := byName[name][i]
		if p == nil {
			continue
		}
		if p.mode != modeString {
			p.toStrings(ch.rows)
		}
		if p.strFrom > 0 {
			ch.index[name] = &jsonKey{name: name, col: len(ch.cols), read: true}
			ch.cols = append(ch.cols, &jsonColumn{name: name, part: p, prefix: make([]int32, 0, p.strFrom)})
			ch.need = max(ch.need, p.strFrom)
		}
	}
	if ch.need == 0 {
		return
	}
	ch.stringPass = true
	ch.scan()
	for _, c := range ch.cols {
		c.part.codes = append(c.prefix, c.part.codes...)
		c.part.strFrom = 0
	}
}

// tooSparse reports whether a table of cols x rows would take far more
// memory than the input of size bytes: each key and value take at least
// five bytes of JSON, so a dense table has fewer cells than a fifth of the
// input, but lines with ever new keys make every earlier row grow a
// missing cell.
func tooSparse(cols, rows, size int) bool {
	return cols*rows > 4*size+1<<20
}

// splitLines cuts buf into about n runs of whole lines.
func splitLines(buf []byte, n int) []*jsonChunk {
	var chunks []*jsonChunk
	pos, line := 0, 1
	for k := 1; k < n; k++ {
		target := len(buf) * k / n
		if target < pos {
			continue
		}
		i := bytes.IndexByte(buf[target:], '\n')
		if i < 0 {
			break
		}
		end := target + i + 1
		chunks = append(chunks, &jsonChunk{start: pos, end: end, line: line})
		line += countByte(buf[pos:end], '\n')
		pos = end
	}
	return append(chunks, &jsonChunk{start: pos, end: len(buf), line: line})
}

// scan parses every line of the chunk; blank lines are skipped.
func (ch *jsonChunk) scan() {
	pos, lineNo := ch.start, ch.line
	ch.row = 0
	ch.bad = -1
	if !ch.stringPass {
		ch.bad = firstInvalidUTF8(ch.buf, ch.start, ch.end)
	}
	for pos < ch.end && !(ch.stringPass && ch.row == ch.need) {
		n := bytes.IndexByte(ch.buf[pos:ch.end], '\n')
		next := pos + n + 1
		if n < 0 {
			n, next = ch.end-pos, ch.end
		}
		ch.p, ch.lineStart, ch.lineEnd, ch.lineNo = pos, pos, pos+n, lineNo
		ch.keyNo = 0
		pos, lineNo = next, lineNo+1
		ch.space()
		if ch.p == ch.lineEnd {
			continue
		}
		if ch.buf[ch.p] != '{' {
			ch.fail(fmt.Sprintf("want a JSON object, got %s (JSON lines holds one object per line)", ch.describe()))
			return
		}
		if !ch.object(0, 1) {
			return
		}
		if ch.space(); ch.p != ch.lineEnd {
			ch.fail("unexpected " + ch.describe() + " after the object")
			return
		}
		if !ch.stringPass && tooSparse(len(ch.cols), ch.row+1, len(ch.buf)) {
			// The chunk's keys and rows are a part of the whole table's,
			// which is then too sparse as well; readJSONL says so.
			ch.sparse = true
			ch.rows = ch.row + 1
			return
		}
		for _, c := range ch.cols {
			switch {
			case c.seen == ch.row+1:
			case !ch.stringPass:
				c.part.addMissing()
			case ch.row < c.part.strFrom:
				c.prefix = append(c.prefix, -1)
			}
		}
		ch.row++
	}
}

// firstProblem finds what a single pass over the whole input would have
// stopped at first: an error in a chunk, or the line from which the table
// would be too sparse, which depends on the keys of every line before it.
func (r *reader) firstProblem(chunks []*jsonChunk) error {
	keys := make(map[string]bool)
	before := 0 // rows of earlier chunks
	for _, ch := range chunks {
		k := 0
		for row := range ch.rows {
			for ; k < len(ch.cols) && ch.cols[k].first <= row; k++ {
				keys[ch.cols[k].name] = true
			}
			if tooSparse(len(keys), before+row+1, len(r.buf)) {
				return &Error{File: r.name, Msg: fmt.Sprintf("%d distinct keys over the first %d objects would make a table "+
					"far larger than the input; keys vary too much from line to line (choose some with Options.Columns)",
					len(keys), before+row+1)}
			}
		}
		if ch.err != nil {
			return ch.err
		}
		before += ch.rows
	}
	return nil
}

func (ch *jsonChunk) fail(msg string) {
	ch.err = &Error{File: ch.name, Line: ch.lineNo, Msg: fmt.Sprintf("byte %d: %s", ch.p-ch.lineStart+1, msg)}
}

func (ch *jsonChunk) failColumn(msg string) {
	ch.err = &Error{File: ch.name, Line: ch.lineNo, Column: string(ch.path), Msg: msg}
}

// describe names what is at the parse position, for messages.
func (ch *jsonChunk) describe() string {
	if ch.p >= ch.lineEnd {
		return "end of line"
	}
	switch c := ch.buf[ch.p]; {
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == '-' || c-'0' < 10:
		return "a number"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c >= utf8.RuneSelf:
		return fmt.Sprintf("byte 0x%02x", c)
	default:
		return fmt.Sprintf("%q", rune(c))
	}
}

func (ch *jsonChunk) space() {
	for ch.p < ch.lineEnd {
		switch ch.buf[ch.p] {
		case ' ', '\t', '\r':
			ch.p++
		default:
			return
		}
	}
}

// object parses the object at ch.p; its keys extend ch.path[:prefix].
func (ch *jsonChunk) object(prefix, depth int) bool {
	if depth > maxDepth {
		ch.fail(fmt.Sprintf("objects nested more than %d deep", maxDepth))
		return false
	}
	ch.p++
	ch.space()
	if ch.p < ch.lineEnd && ch.buf[ch.p] == '}' {
		ch.p++
		return true
	}
	for {
		ch.space()
		if ch.p >= ch.lineEnd || ch.buf[ch.p] != '"' {
			ch.fail("want a key string, got " + ch.describe())
			return false
		}
		ch.path = ch.path[:prefix]
		key, ok := ch.str(true)
		if !ok {
			return false
		}
		if len(key) == 0 {
			ch.p--
			ch.fail("empty key")
			return false
		}
		if prefix > 0 {
			ch.path = append(ch.path, '.')
		}
		ch.path = append(ch.path, key...)
		k := ch.lookup()
		if k != nil && !ch.stringPass {
			if k.seen == ch.row+1 {
				ch.failColumn("duplicate key (a dotted key and a nested object can name the same column)")
				return false
			}
			k.seen = ch.row + 1
		}
		ch.space()
		if ch.p >= ch.lineEnd || ch.buf[ch.p] != ':' {
			ch.fail("want ':' after a key, got " + ch.describe())
			return false
		}
		ch.p++
		ch.space()
		if !ch.value(k, depth) {
			return false
		}
		ch.space()
		if ch.p < ch.lineEnd {
			switch ch.buf[ch.p] {
			case ',':
				ch.p++
				continue
			case '}':
				ch.p++
				return true
			}
		}
		ch.fail("want ',' or '}' after a value, got " + ch.describe())
		return false
	}
}

// lookup finds the key in ch.path, adding it in the first pass; in the
// second pass keys that are not read are nil.
func (ch *jsonChunk) lookup() *jsonKey {
	at := ch.keyNo
	ch.keyNo++
	if at < len(ch.order) && ch.order[at] != nil && ch.order[at].name == string(ch.path) {
		return ch.order[at]
	}
	k, ok := ch.index[string(ch.path)]
	if !ok && !ch.stringPass {
		name := string(ch.path)
		k = &jsonKey{name: name, col: -1, read: ch.keep == nil || ch.keep[name]}
		ch.index[name] = k
	}
	if at < len(ch.order) {
		ch.order[at] = k
	} else if at < maxOrder {
		ch.order = append(ch.order, k)
	}
	return k
}

// value parses the value of key k, whose name is in ch.path.
func (ch *jsonChunk) value(k *jsonKey, depth int) bool {
	if ch.p >= ch.lineEnd {
		ch.fail("want a value, got end of line")
		return false
	}
	switch c := ch.buf[ch.p]; {
	case c == '{':
		return ch.object(len(ch.path), depth+1)
	case c == '[':
		if k != nil && k.read && !ch.stringPass {
			ch.failColumn("arrays are not supported (flatten them, or leave the key out with Options.Columns)")
			return false
		}
		return ch.skip(depth + 1)
	case c == '"':
		text, ok := ch.str(false)
		return ok && ch.cell(k, text, false)
	case c == 't':
		return ch.literal("true") && ch.cell(k, ch.buf[ch.p-4:ch.p], false)
	case c == 'f':
		return ch.literal("false") && ch.cell(k, ch.buf[ch.p-5:ch.p], false)
	case c == 'n':
		return ch.literal("null") && ch.cell(k, nil, true)
	case c == '-' || c-'0' < 10:
		text, ok := ch.number()
		return ok && ch.cell(k, text, false)
	}
	ch.fail("want a value, got " + ch.describe())
	return false
}

// cell records a scalar of key k.
func (ch *jsonChunk) cell(k *jsonKey, text []byte, null bool) bool {
	if k == nil {
		return true
	}
	if ch.stringPass {
		c := ch.cols[k.col]
		c.seen = ch.row + 1
		switch {
		case ch.row >= c.part.strFrom:
		case null:
			c.prefix = append(c.prefix, -1)
		default:
			c.prefix = append(c.prefix, c.part.code(text))
		}
		return true
	}
	k.scalar = true
	if !k.read {
		return true
	}
	if k.col < 0 {
		name := string(ch.path)
		forced, hint := ch.typing(name)
		c := &jsonColumn{name: name, kind: kindOf(forced), first: ch.row}
		p := newPart(c.kind, kindOf(hint), ch.row, ch.estimate)
		c.part = &p
		k.col = len(ch.cols)
		ch.cols = append(ch.cols, c)
	}
	c := ch.cols[k.col]
	c.seen = ch.row + 1
	switch {
	case null:
		c.part.addMissing()
	case !c.part.add(c.kind, text, ch.row, ch.lineNo):
		ch.failColumn(parseError(c.kind, text))
		return false
	}
	return true
}

func (ch *jsonChunk) literal(word string) bool {
	if !bytes.HasPrefix(ch.buf[ch.p:ch.lineEnd], []byte(word)) {
		ch.fail("want a value, got " + ch.describe())
		return false
	}
	ch.p += len(word)
	return true
}

// number checks a JSON number and returns its text.
func (ch *jsonChunk) number() ([]byte, bool) {
	b, p, end := ch.buf, ch.p, ch.lineEnd
	start := p
	digits := func() bool {
		from := p
		for p < end && b[p]-'0' < 10 {
			p++
		}
		return p > from
	}
	if b[p] == '-' {
		p++
	}
	switch {
	case p < end && b[p] == '0':
		p++
	case !digits():
		ch.p = p
		ch.fail("want a digit, got " + ch.describe())
		return nil, false
	}
	if p < end && b[p] == '.' {
		p++
		if !digits() {
			ch.p = p
			ch.fail("want a digit after the decimal point, got " + ch.describe())
			return nil, false
		}
	}
	if p < end && b[p]|0x20 == 'e' {
		p++
		if p < end && (b[p] == '+' || b[p] == '-') {
			p++
		}
		if !digits() {
			ch.p = p
			ch.fail("want a digit in the exponent, got " + ch.describe())
			return nil, false
		}
	}
	ch.p = p
	return b[start:p], true
}

// str parses the string at ch.p and returns its unescaped content, which
// stays valid until the next string is parsed.
func (ch *jsonChunk) str(isKey bool) ([]byte, bool) {
	b, end := ch.buf, ch.lineEnd
	open := ch.p
	p := open + 1
	for p < end {
		c := b[p]
		switch {
		case c == '"':
			ch.p = p + 1
			return b[open+1 : p], ch.checkUTF8(open, p, isKey)
		case c == '\\':
			return ch.unescape(open, p, isKey)
		case c < 0x20:
			ch.p = p
			ch.fail("control character in a string (escape it)")
			return nil, false
		}
		p++
	}
	ch.p = open
	ch.fail("string never closed on this line")
	return nil, false
}

// unescape finishes a string that holds escapes; p is at the first one.
func (ch *jsonChunk) unescape(open, p int, isKey bool) ([]byte, bool) {
	b, end := ch.buf, ch.lineEnd
	out := append(ch.scratch[:0], b[open+1:p]...)
	defer func() { ch.scratch = out[:0] }()
	for p < end {
		c := b[p]
		switch {
		case c == '"':
			ch.p = p + 1
			return out, ch.checkUTF8(open, p, isKey)
		case c < 0x20:
			ch.p = p
			ch.fail("control character in a string (escape it)")
			return nil, false
		case c != '\\':
			out = append(out, c)
			p++
			continue
		}
		if p+1 >= end {
			break
		}
		switch e := b[p+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b[p+2 : min(p+6, end)])
			if !ok {
				ch.p = p
				ch.fail(`want four hex digits after \u`)
				return nil, false
			}
			p += 4
			if r >= 0xD800 && r < 0xDC00 && p+7 < end && b[p+2] == '\\' && b[p+3] == 'u' {
				if lo, ok := hex4(b[p+4 : p+8]); ok && lo >= 0xDC00 && lo < 0xE000 {
					r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
					p += 6
				}
			}
			// A lone surrogate becomes U+FFFD, as encoding/json does.
			out = utf8.AppendRune(out, r)
		default:
			ch.p = p
			ch.fail(fmt.Sprintf("invalid escape \\%c", rune(e)))
			return nil, false
		}
		p += 2
	}
	ch.p = open
	ch.fail("string never closed on this line")
	return nil, false
}

func hex4(b []byte) (rune, bool) {
	if len(b) != 4 {
		return 0, false
	}
	var r rune
	for _, c := range b {
		switch {
		case c-'0' < 10:
			r = r<<4 | rune(c-'0')
		case c|0x20-'a' < 6:
			r = r<<4 | rune(c|0x20-'a'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// checkUTF8 fails when the first invalid UTF-8 byte of the input lies in
// the string buf[open:close].
func (ch *jsonChunk) checkUTF8(open, close int, isKey bool) bool {
	if ch.bad < open || ch.bad >= close {
		return true
	}
	msg := fmt.Sprintf("invalid UTF-8 (byte 0x%02x)", ch.buf[ch.bad])
	if isKey {
		msg += " in a key"
	}
	ch.p = ch.bad
	ch.err = &Error{File: ch.name, Line: ch.lineNo, Column: string(ch.path), Msg: msg}
	return false
}

// skip parses a value that is not read.
func (ch *jsonChunk) skip(depth int) bool {
	if depth > maxDepth {
		ch.fail(fmt.Sprintf("values nested more than %d deep", maxDepth))
		return false
	}
	if ch.p >= ch.lineEnd {
		ch.fail("want a value, got end of line")
		return false
	}
	switch c := ch.buf[ch.p]; {
	case c == '{', c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		ch.p++
		ch.space()
		if ch.p < ch.lineEnd && ch.buf[ch.p] == closer {
			ch.p++
			return true
		}
		for {
			ch.space()
			if c == '{' {
				if ch.p >= ch.lineEnd || ch.buf[ch.p] != '"' {
					ch.fail("want a key string, got " + ch.describe())
					return false
				}
				if _, ok := ch.str(true); !ok {
					return false
				}
				ch.space()
				if ch.p >= ch.lineEnd || ch.buf[ch.p] != ':' {
					ch.fail("want ':' after a key, got " + ch.describe())
					return false
				}
				ch.p++
				ch.space()
			}
			if !ch.skip(depth + 1) {
				return false
			}
			ch.space()
			if ch.p < ch.lineEnd && ch.buf[ch.p] == ',' {
				ch.p++
				continue
			}
			if ch.p < ch.lineEnd && ch.buf[ch.p] == closer {
				ch.p++
				return true
			}
			ch.fail(fmt.Sprintf("want ',' or %q, got %s", rune(closer), ch.describe()))
			return false
		}
	case c == '"':
		_, ok := ch.str(false)
		return ok
	case c == 't':
		return ch.literal("true")
	case c == 'f':
		return ch.literal("false")
	case c == 'n':
		return ch.literal("null")
	case c == '-' || c-'0' < 10:
		_, ok := ch.number()
		return ok
	}
	ch.fail("want a value, got " + ch.describe())
	return false
}
