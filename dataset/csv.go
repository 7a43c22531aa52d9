package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"
)

// csvError is a tokenizing problem: where it is and what is wrong.
type csvError struct {
	line  int
	field int // index of the field being read
	msg   string
}

// csvScanner splits RFC 4180 records out of buf[pos:end]. Fields point into
// buf, or into scratch when a quoted field had to be unescaped; both stay
// valid until the next call.
type csvScanner struct {
	buf   []byte
	pos   int
	end   int
	line  int // physical line of buf[pos], 1-based
	delim byte

	fields  [][]byte
	scratch []byte

	rowStart int // offset and line where the last record began
	rowLine  int
	// fieldLines holds each field's starting line when the record spanned
	// several lines (multiLine); otherwise every field is on rowLine.
	fieldLines []int
	multiLine  bool
}

// next reads one record. Blank lines are skipped; false means the input is
// exhausted.
func (s *csvScanner) next() (bool, *csvError) {
	s.fields = s.fields[:0]
	s.multiLine = false
	for s.pos < s.end {
		rest := s.buf[s.pos:s.end]
		n := bytes.IndexByte(rest, '\n')
		advance := n + 1
		if n < 0 {
			n, advance = len(rest), len(rest)
		}
		line := rest[:n]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			s.pos += advance
			s.line++
			continue
		}
		s.rowStart, s.rowLine = s.pos, s.line
		if bytes.IndexByte(line, '"') >= 0 {
			return true, s.quotedRecord()
		}
		s.split(line)
		s.pos += advance
		s.line++
		return true, nil
	}
	return false, nil
}

// split cuts a line without quotes at each delimiter. It tests eight bytes
// at a time: a byte equal to the delimiter becomes zero after XOR, and the
// zero-byte test below (exact, unlike the shorter borrow-based one) marks
// it with its high bit.
func (s *csvScanner) split(line []byte) {
	const low7 = 0x7f7f7f7f7f7f7f7f
	mask := 0x0101010101010101 * uint64(s.delim)
	start, i := 0, 0
	for ; i+8 <= len(line); i += 8 {
		x := binary.LittleEndian.Uint64(line[i:]) ^ mask
		hits := ^((x&low7 + low7) | x | low7)
		for hits != 0 {
			at := i + bits.TrailingZeros64(hits)/8
			s.fields = append(s.fields, line[start:at])
			start = at + 1
			hits &= hits - 1
		}
	}
	for ; i < len(line); i++ {
		if line[i] == s.delim {
			s.fields = append(s.fields, line[start:i])
			start = i + 1
		}
	}
	s.fields = append(s.fields, line[start:])
}

// quotedRecord reads a record that contains quotes, which may span lines.
func (s *csvScanner) quotedRecord() *csvError {
	b, end, d := s.buf, s.end, s.delim
	p := s.pos
	s.scratch = s.scratch[:0]
	s.fieldLines = s.fieldLines[:0]
	startLine := s.line
	for {
		field := len(s.fields)
		s.fieldLines = append(s.fieldLines, s.line)
		if p < end && b[p] == '"' {
			openLine := s.line
			p++
			start := p
			unescape := false
			for {
				i := bytes.IndexByte(b[p:end], '"')
				if i < 0 {
					return &csvError{line: openLine, field: field,
						msg: fmt.Sprintf("quoted field opened on line %d is never closed", openLine)}
				}
				if nl := bytes.Count(b[p:p+i], []byte{'\n'}); nl > 0 {
					s.line += nl
					unescape = unescape || bytes.IndexByte(b[p:p+i], '\r') >= 0
				}
				p += i + 1
				if p < end && b[p] == '"' { // a doubled quote stands for one
					unescape = true
					p++
					continue
				}
				break
			}
			content := b[start : p-1]
			if unescape {
				content = s.unescape(content)
			}
			s.fields = append(s.fields, content)
			switch {
			case p == end:
				s.finish(p, startLine)
				return nil
			case b[p] == d:
				p++
				continue
			case b[p] == '\n':
				s.finish(p+1, startLine)
				s.line++
				return nil
			case b[p] == '\r' && (p+1 == end || b[p+1] == '\n'):
				s.finish(min(p+2, end), startLine)
				s.line++
				return nil
			}
			return &csvError{line: s.line, field: field,
				msg: fmt.Sprintf("unexpected %q after the closing quote (a quote inside a quoted field is written twice)", rune(b[p]))}
		}
		start := p
		for p < end && b[p] != d && b[p] != '\n' {
			if b[p] == '"' {
				return &csvError{line: s.line, field: field,
					msg: `bare " in an unquoted field (quote the field and write the quote twice)`}
			}
			p++
		}
		f := b[start:p]
		if p < end && b[p] == d {
			s.fields = append(s.fields, f)
			p++
			continue
		}
		if len(f) > 0 && f[len(f)-1] == '\r' {
			f = f[:len(f)-1]
		}
		s.fields = append(s.fields, f)
		if p < end {
			p++ // the newline
			s.finish(p, startLine)
			s.line++
		} else {
			s.finish(p, startLine)
		}
		return nil
	}
}

func (s *csvScanner) finish(pos, startLine int) {
	s.pos = pos
	s.multiLine = s.line != startLine
}

// fieldLine is the line on which field i of the last record began.
func (s *csvScanner) fieldLine(i int) int {
	if s.multiLine && i < len(s.fieldLines) {
		return s.fieldLines[i]
	}
	return s.rowLine
}

// unescape turns doubled quotes into one and CRLF into LF (as encoding/csv
// does inside quoted fields).
func (s *csvScanner) unescape(content []byte) []byte {
	start := len(s.scratch)
	for i := 0; i < len(content); i++ {
		c := content[i]
		switch {
		case c == '"':
			i++ // skip the second quote of the pair
		case c == '\r' && i+1 < len(content) && content[i+1] == '\n':
			continue
		}
		s.scratch = append(s.scratch, c)
	}
	return s.scratch[start:]
}

// detectDelimiter picks ',', ';' or tab: the candidate that occurs, outside
// quotes, in the header and the same number of times in each of the first
// data records; the most frequent such candidate wins, earlier in that list
// on a tie. Without a consistent candidate the most frequent one in the
// header is taken, so that the ragged-row error points at the problem; with
// none at all the file has one column and ',' is as good as any.
func detectDelimiter(buf []byte) byte {
	const maxRecords, maxBytes = 20, 1 << 16
	candidates := [...]byte{',', ';', '\t'}
	var counts [maxRecords][len(candidates)]int
	records := 0
	inQuote := false
	blank := true
	limit := min(len(buf), maxBytes)
	for i := 0; i < limit && records < maxRecords; i++ {
		c := buf[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case c == '\n' && !inQuote:
			if !blank {
				records++
			}
			blank = true
			continue
		case inQuote || c == '\r':
		default:
			for k, d := range candidates {
				if c == d {
					counts[records][k]++
				}
			}
		}
		if c != '\r' {
			blank = false
		}
	}
	if limit == len(buf) && !blank && records < maxRecords {
		records++ // the last record has no newline
	}
	best, bestConsistent := -1, -1
	for k := range candidates {
		n := counts[0][k]
		if n == 0 {
			continue
		}
		if best < 0 || n > counts[0][best] {
			best = k
		}
		consistent := true
		for r := 1; r < records; r++ {
			consistent = consistent && counts[r][k] == n
		}
		if consistent && (bestConsistent < 0 || n > counts[0][bestConsistent]) {
			bestConsistent = k
		}
	}
	switch {
	case bestConsistent >= 0:
		return candidates[bestConsistent]
	case best >= 0:
		return candidates[best]
	}
	return ','
}

// csvReader holds what every chunk of one CSV input shares.
type csvReader struct {
	*reader
	delim     byte
	header    []string
	names     []string  // kept columns, in output order
	fieldIdx  []int     // field index of each kept column
	kinds     []colKind // forced type of each kept column
	hints     []colKind // hinted type of each kept column
	rowBytes  int       // average record length, for sizing slices
	dataStart int       // offset of the first record after the header
}

// csvChunk is a run of whole records, read independently of the others.
type csvChunk struct {
	start, end, line int
	rows             int
	parts            []part
	err              *Error
}

func (r *reader) readCSV() (*Table, error) {
	delim := byte(',')
	switch {
	case r.opts.Delimiter != 0:
		if d := r.opts.Delimiter; d < 0 || d >= 0x80 || d == '"' || d == '\r' || d == '\n' {
			return nil, &Error{File: r.name, Msg: fmt.Sprintf("delimiter %q is not supported (want one ASCII character other than a quote, CR or LF)", r.opts.Delimiter)}
		}
		delim = byte(r.opts.Delimiter)
	case strings.HasSuffix(r.base, ".tsv"):
		delim = '\t'
	default:
		delim = detectDelimiter(r.buf)
	}
	c := &csvReader{reader: r, delim: delim}

	sc := csvScanner{buf: r.buf, end: len(r.buf), line: 1, delim: delim}
	if _, e := sc.next(); e != nil {
		return nil, c.scanError(e)
	}
	if bad := firstInvalidUTF8(r.buf, sc.rowStart, sc.pos); bad >= 0 {
		return nil, c.utf8Error(&sc, bad)
	}
	if err := c.setHeader(&sc); err != nil {
		return nil, err
	}
	c.rowBytes = averageLine(r.buf[sc.pos:])
	c.dataStart = sc.pos

	chunks := splitCSV(r.buf, sc.pos, sc.line, r.chunkCount(len(r.buf)-sc.pos))
	parallel(len(chunks), func(i int) { c.firstPass(&chunks[i]) })
	for i := range chunks {
		if chunks[i].err != nil {
			return nil, chunks[i].err
		}
	}

	types := make([]Type, len(c.names))
	isString := make([]bool, len(c.names))
	var stringSlots []int
	for slot, name := range c.names {
		forced, hint := r.typing(name)
		types[slot], isString[slot] = planColumn(forced, hint, slotParts(chunks, slot))
		if isString[slot] {
			stringSlots = append(stringSlots, slot)
		}
	}
	if len(stringSlots) > 0 {
		parallel(len(chunks), func(i int) { c.stringPass(&chunks[i], stringSlots) })
	}

	t := &Table{Source: r.name}
	rows := make([]int, len(chunks))
	for i := range chunks {
		rows[i] = chunks[i].rows
		t.Rows += chunks[i].rows
	}
	t.Columns = make([]*Column, len(c.names))
	parallel(len(c.names), func(slot int) {
		name, parts := c.names[slot], slotParts(chunks, slot)
		if isString[slot] {
			t.Columns[slot] = finishStrings(name, types[slot], parts, rows)
		} else {
			t.Columns[slot] = finishFloats(name, types[slot], parts, rows)
		}
		_, hint := r.typing(name)
		t.Columns[slot].Mismatch = r.mismatch(name, hint, parts)
	})
	return t, nil
}

func slotParts(chunks []csvChunk, slot int) []*part {
	parts := make([]*part, len(chunks))
	for i := range chunks {
		parts[i] = &chunks[i].parts[slot]
	}
	return parts
}

// setHeader checks the header record and decides which fields to keep.
func (c *csvReader) setHeader(sc *csvScanner) error {
	c.header = make([]string, len(sc.fields))
	seen := make(map[string]int, len(sc.fields))
	for i, f := range sc.fields {
		name := string(f)
		if strings.TrimSpace(name) == "" {
			return &Error{File: c.name, Line: sc.fieldLine(i), Msg: fmt.Sprintf("header field %d has no name", i+1)}
		}
		if j, dup := seen[name]; dup {
			return &Error{File: c.name, Line: sc.fieldLine(i), Column: name,
				Msg: fmt.Sprintf("duplicate column name (header fields %d and %d)", j+1, i+1)}
		}
		seen[name] = i
		c.header[i] = name
	}
	names := c.header
	if c.opts.Columns != nil {
		names = c.opts.Columns
	}
	if err := c.checkOptions(func(name string) bool { _, ok := seen[name]; return ok }, func() []string { return c.header }); err != nil {
		return err
	}
	c.names = names
	c.fieldIdx = make([]int, len(names))
	c.kinds = make([]colKind, len(names))
	c.hints = make([]colKind, len(names))
	for slot, name := range names {
		c.fieldIdx[slot] = seen[name]
		forced, hint := c.typing(name)
		c.kinds[slot], c.hints[slot] = kindOf(forced), kindOf(hint)
	}
	return nil
}

// scanError names the column of a tokenizing problem when it can.
func (c *csvReader) scanError(e *csvError) *Error {
	err := &Error{File: c.name, Line: e.line, Msg: e.msg}
	if c.header != nil && e.field < len(c.header) {
		err.Column = c.header[e.field]
	}
	return err
}

// utf8Error reports an invalid UTF-8 byte at offset bad, within the
// scanner's last record.
func (c *csvReader) utf8Error(sc *csvScanner, bad int) *Error {
	field, inQuote := 0, false
	for _, ch := range c.buf[sc.rowStart:bad] {
		switch {
		case ch == '"':
			inQuote = !inQuote
		case ch == c.delim && !inQuote:
			field++
		}
	}
	err := &Error{File: c.name, Line: sc.rowLine + countByte(c.buf[sc.rowStart:bad], '\n'),
		Msg: fmt.Sprintf("invalid UTF-8 (byte 0x%02x)", c.buf[bad])}
	switch {
	case c.header == nil:
		err.Msg += fmt.Sprintf(" in header field %d", field+1)
	case field < len(c.header):
		err.Column = c.header[field]
	}
	return err
}

func (c *csvReader) firstPass(ch *csvChunk) {
	sc := csvScanner{buf: c.buf, pos: ch.start, end: ch.end, line: ch.line, delim: c.delim}
	// Later chunks' columns are appended to the first chunk's at the end,
	// so the first reserves room for all rows.
	size := ch.end - ch.start
	if ch.start == c.dataStart {
		size = len(c.buf) - ch.start
	}
	estimate := size/c.rowBytes + size/c.rowBytes/16 + 8
	parts := make([]part, len(c.names))
	for slot, k := range c.kinds {
		parts[slot] = newPart(k, c.hints[slot], 0, estimate)
	}
	nfields := len(c.header)
	bad := firstInvalidUTF8(c.buf, ch.start, ch.end)
	for {
		more, e := sc.next()
		if e != nil {
			ch.err = c.scanError(e)
			return
		}
		if !more {
			break
		}
		if bad >= sc.rowStart && bad < sc.pos {
			ch.err = c.utf8Error(&sc, bad)
			return
		}
		if len(sc.fields) != nfields {
			ch.err = &Error{File: c.name, Line: sc.rowLine,
				Msg: fmt.Sprintf("expected %d fields as in the header, found %d", nfields, len(sc.fields))}
			return
		}
		for slot, fi := range c.fieldIdx {
			p, f := &parts[slot], sc.fields[fi]
			if p.mode == modeNumber {
				// Most cells of most columns are plain numbers: try that
				// before trimming and looking for missing markers.
				if v, ok := parseNumber(f); ok {
					if p.hint != kindInfer && p.miss == nil && !p.fits(v) {
						p.missed(f, sc.fieldLine(fi))
					}
					p.floats = append(p.floats, v)
					continue
				}
			}
			if !p.add(c.kinds[slot], f, ch.rows, sc.fieldLine(fi)) {
				ch.err = &Error{File: c.name, Line: sc.fieldLine(fi), Column: c.names[slot],
					Msg: parseError(c.kinds[slot], sc.fields[fi])}
				return
			}
		}
		ch.rows++
	}
	ch.parts = parts
}

// stringPass completes the given columns as strings: parts still in
// another mode switch now, and rows that held values of another mode are
// read again. The first pass has validated every record, so nothing can
// fail here.
func (c *csvReader) stringPass(ch *csvChunk, slots []int) {
	var again []int // slots with rows to read again
	need := 0
	for _, slot := range slots {
		p := &ch.parts[slot]
		if p.mode != modeString {
			p.toStrings(ch.rows)
		}
		if p.strFrom > 0 {
			again = append(again, slot)
			need = max(need, p.strFrom)
		}
	}
	if need == 0 {
		return
	}
	prefixes := make([][]int32, len(again))
	for k := range again {
		prefixes[k] = make([]int32, 0, ch.rows)
	}
	sc := csvScanner{buf: c.buf, pos: ch.start, end: ch.end, line: ch.line, delim: c.delim}
	for row := 0; row < need; row++ {
		sc.next()
		for k, slot := range again {
			if p := &ch.parts[slot]; row < p.strFrom {
				prefixes[k] = append(prefixes[k], p.code(sc.fields[c.fieldIdx[slot]]))
			}
		}
	}
	for k, slot := range again {
		p := &ch.parts[slot]
		p.codes = append(prefixes[k], p.codes...)
		p.strFrom = 0
	}
}

// splitCSV cuts buf[start:] into about n runs of whole records. A newline
// ends a record when an even number of quotes precedes it in its run, which
// holds for well-formed input; malformed input fails in the run that holds
// its first error, and earlier runs are reported first.
func splitCSV(buf []byte, start, line, n int) []csvChunk {
	var chunks []csvChunk
	pos := start
	for k := 1; k < n; k++ {
		target := start + (len(buf)-start)*k/n
		if target <= pos {
			continue
		}
		parity := countByte(buf[pos:target], '"') & 1
		q := target
		for {
			i := bytes.IndexByte(buf[q:], '\n')
			if i < 0 {
				q = -1
				break
			}
			parity ^= countByte(buf[q:q+i], '"') & 1
			q += i + 1
			if parity == 0 {
				break
			}
		}
		if q < 0 {
			break
		}
		chunks = append(chunks, csvChunk{start: pos, end: q, line: line})
		line += countByte(buf[pos:q], '\n')
		pos = q
	}
	return append(chunks, csvChunk{start: pos, end: len(buf), line: line})
}

// averageLine estimates the length of a line from the first 64 KiB.
func averageLine(b []byte) int {
	sample := b[:min(len(b), 1<<16)]
	lines := countByte(sample, '\n')
	if lines == 0 {
		return max(len(sample), 1)
	}
	return max(len(sample)/lines, 1)
}
