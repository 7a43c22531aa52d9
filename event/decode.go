package event

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// Limits bound what one batch may cost. A zero or negative field takes its
// default (see DefaultLimits).
type Limits struct {
	MaxItemBytes int   // one event larger than this is rejected (item error) and the batch goes on
	MaxDepth     int   // deeper nesting is rejected (item error); at least 3, the schema's own depth
	MaxFeatures  int   // features per event, and classes per prediction
	MaxItems     int   // items per batch; one more is a body error
	MaxValues    int   // feature values and class probabilities of the batch's kept events; more is a body error
	MaxBodyBytes int64 // bytes of (decompressed) body; more is a body error, which stops gzip bombs
}

const (
	defaultMaxItemBytes = 64 << 10
	defaultMaxDepth     = 8
	defaultMaxFeatures  = 1024
	defaultMaxItems     = 100000
	defaultMaxValues    = 1000000
	defaultMaxBodyBytes = 1 << 30

	// schemaDepth is how deep the schema itself nests: event, prediction,
	// probabilities.
	schemaDepth = 3

	// minBufferSize keeps reads large when items are small.
	minBufferSize = 64 << 10
)

// DefaultLimits returns 64 KiB per event, depth 8, 1024 features, and per
// batch 100000 items, a million values and 1 GiB. The server takes its
// per-batch limits from its configuration instead.
func DefaultLimits() Limits {
	return Limits{
		MaxItemBytes: defaultMaxItemBytes,
		MaxDepth:     defaultMaxDepth,
		MaxFeatures:  defaultMaxFeatures,
		MaxItems:     defaultMaxItems,
		MaxValues:    defaultMaxValues,
		MaxBodyBytes: defaultMaxBodyBytes,
	}
}

func (l Limits) withDefaults() Limits {
	def := DefaultLimits()
	if l.MaxItemBytes <= 0 {
		l.MaxItemBytes = def.MaxItemBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = def.MaxDepth
	}
	l.MaxDepth = max(l.MaxDepth, schemaDepth)
	if l.MaxFeatures <= 0 {
		l.MaxFeatures = def.MaxFeatures
	}
	if l.MaxItems <= 0 {
		l.MaxItems = def.MaxItems
	}
	if l.MaxValues <= 0 {
		l.MaxValues = def.MaxValues
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = def.MaxBodyBytes
	}
	return l
}

// ItemError is one rejected item: its 0-based index in the batch, the
// 1-based line and the byte offset where it starts in the (decompressed)
// body, and why it was rejected.
type ItemError struct {
	Index  int
	Line   int
	Offset int64
	Reason string
}

// Error reads like "item 3 (line 4): features.amount: want number, string,
// bool or null, got object".
func (e ItemError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("item %d (line %d): %s", e.Index, e.Line, e.Reason)
	}
	return fmt.Sprintf("item %d: %s", e.Index, e.Reason)
}

// BodyError says why a body could not be read to its end: not JSON at all,
// an array that never closes, corrupt gzip, too many items... Items before
// Offset were decoded.
type BodyError struct {
	Offset int64 // byte offset in the (decompressed) body
	Line   int   // 1-based line of Offset
	Reason string
	Err    error // the read or gzip error behind it, if any
}

func (e *BodyError) Error() string {
	return fmt.Sprintf("body unusable at line %d (byte %d): %s", e.Line, e.Offset, e.Reason)
}

func (e *BodyError) Unwrap() error { return e.Err }

// errBodyTooLarge stands for a body over MaxBodyBytes in the read error slot.
var errBodyTooLarge = errors.New("body too large")

// LimitError is a batch over one of its Limits: more bytes, items or values
// than a batch may have. It is the Err of the *BodyError that stops the
// batch; the events before it were decoded, but a batch that is too large
// is meant to be refused whole.
type LimitError struct {
	Limit string // "bytes", "items" or "values"
	Max   int64
}

func (e *LimitError) Error() string {
	switch e.Limit {
	case "bytes":
		return fmt.Sprintf("body larger than %d bytes", e.Max)
	case "values":
		return fmt.Sprintf("more than %d values (features and class probabilities)", e.Max)
	}
	return fmt.Sprintf("more than %d %s", e.Max, e.Limit)
}

// What decoded events cost in memory, for Footprint and Decoder.Reserve: an
// event's fixed part (the Event, slack in the slice that grows to hold the
// batch, what the pipeline adds to carry it) and each value's (a Feature,
// or a ClassProb rounded up), besides their text.
const (
	EventFootprint = 512
	ValueFootprint = 48
)

// Footprint is about how many bytes of memory the event holds: its fixed
// part, its values and all its strings, counted even when they are shared
// with other events. It is an upper bound for budgets, not an exact size.
func (e *Event) Footprint() int64 {
	n := EventFootprint + len(e.ID) + len(e.Model) + len(e.User) + len(e.Prompt) + len(e.Output) +
		len(e.Label.Str) + len(e.Prediction.Label.Str) +
		ValueFootprint*(len(e.Features)+len(e.Prediction.Probabilities))
	for i := range e.Features {
		n += len(e.Features[i].Name) + len(e.Features[i].Value.Str)
	}
	for i := range e.Prediction.Probabilities {
		n += len(e.Prediction.Probabilities[i].Class)
	}
	return int64(n)
}

// reserveStep is the least a Decoder asks Reserve for, so that a batch of
// small events asks a few times, not once per event.
const reserveStep = 1 << 20

// Decoder reads batches of events: a JSON array of event objects, or NDJSON
// (one object per line, blank lines skipped), told apart by the first
// non-space byte. A gzip body is decompressed transparently.
//
// A Decoder is reusable and not safe for concurrent use. It keeps its buffers
// (twice MaxItemBytes, 128 KiB by default) between batches, and interns
// feature names, model names and short string values, so a batch of events
// with the same names shares one copy of each: keep decoders, one per
// worker or in a sync.Pool, rather than making one per batch.
// Events of a batch share backing arrays for their features and
// probabilities; each slice is capped, so appending to one never disturbs
// another.
type Decoder struct {
	// input
	src      io.Reader
	sniffed  sniffReader
	gz       *gzip.Reader
	buf      []byte
	have     int   // buf[:have] holds input
	base     int64 // body offset of buf[0]
	eof      bool
	readErr  error
	total    int64 // body bytes read
	lineIdx  int   // the newlines in buf[:lineIdx] are counted in lines
	lines    int
	rejected []ItemError

	// Check, when set, sees every well-formed event; a reason it gives
	// rejects the item like a malformed one, numbered the same way.
	Check func(ev *Event) (reason string)

	// Reserve, when set, is asked for memory before the kept events take
	// it: whenever their footprint (each event's fixed part and values, and
	// its item's bytes, which hold all its text) passes what Reserve granted,
	// for at least 1 MiB more. An error from it stops the batch with a
	// *BodyError that wraps it. Reserved says how much was granted.
	Reserve func(n int64) error

	values    int   // values of the kept events
	footprint int64 // of the kept events
	reserved  int64 // granted by Reserve

	parser
}

// NewDecoder returns a decoder that enforces limits.
func NewDecoder(limits Limits) *Decoder {
	lim := limits.withDefaults()
	d := &Decoder{buf: make([]byte, max(minBufferSize, 2*lim.MaxItemBytes+64))}
	d.parser.init(lim)
	return d
}

// Decode appends the good events of the batch in r to dst and returns them
// with the rejected items. err is non-nil only when the body as a whole is
// unusable; the good items before the failure are still returned, and err
// is a *BodyError naming where. An empty body is an empty batch.
func (d *Decoder) Decode(r io.Reader, dst []Event) (events []Event, rejected []ItemError, err error) {
	d.src = r
	d.have, d.base, d.eof, d.readErr, d.total = 0, 0, false, nil, 0
	d.lineIdx, d.lines = 0, 0
	d.rejected = nil
	d.values, d.footprint, d.reserved = 0, 0, 0
	events, err = d.decode(dst)
	rejected = d.rejected
	d.src, d.rejected, d.readErr, d.sniffed.r = nil, nil, nil, nil
	return events, rejected, err
}

// Reserved is how many bytes Reserve granted during the last Decode: the
// caller gives them back, or hands them on with the events.
func (d *Decoder) Reserved() int64 { return d.reserved }

// Footprint is what the events kept by the last Decode take in memory, by
// the estimate Reserve is asked for (at most Reserved).
func (d *Decoder) Footprint() int64 { return d.footprint }

func (d *Decoder) decode(events []Event) ([]Event, error) {
	if err := d.sniffGzip(); err != nil {
		return events, err
	}
	pos, ok := d.skipSpace(0)
	for ok && d.have-pos < len(utf8BOM) && !d.eof {
		d.more(pos)
		pos = 0
	}
	if ok && bytes.HasPrefix(d.buf[pos:d.have], utf8BOM) {
		pos, ok = d.skipSpace(pos + len(utf8BOM))
	}
	if !ok {
		return events, d.endError(pos, "")
	}
	switch d.buf[pos] {
	case '[':
		return d.decodeArray(pos+1, events)
	case '{':
		return d.decodeLines(pos, events)
	}
	return events, d.bodyError(pos, fmt.Sprintf("not JSON events: want '[' (an array) or '{' (NDJSON), got %s", describeByte(d.buf[pos])), nil)
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// sniffGzip switches the input to a gzip reader when the body starts with
// the gzip magic bytes.
func (d *Decoder) sniffGzip() error {
	for d.have < 2 && d.more(0) {
	}
	if d.have < 2 || d.buf[0] != 0x1f || d.buf[1] != 0x8b {
		return nil
	}
	d.sniffed.reset(d.buf[:d.have], d.src)
	var err error
	if d.gz == nil {
		d.gz, err = gzip.NewReader(&d.sniffed)
	} else {
		err = d.gz.Reset(&d.sniffed)
	}
	if err != nil {
		return &BodyError{Line: 1, Reason: "gzip: " + err.Error(), Err: err}
	}
	d.src = d.gz
	d.have, d.eof, d.total = 0, false, 0
	return nil
}

// more reads more input after moving buf[keep:have] to the front, so every
// index into buf shifts down by keep. It reports false at the end of the
// input or on a read error (then readErr is set).
func (d *Decoder) more(keep int) bool {
	if keep > 0 {
		d.lineAt(keep)
		copy(d.buf, d.buf[keep:d.have])
		d.have -= keep
		d.base += int64(keep)
		d.lineIdx -= keep
	}
	if d.eof {
		return false
	}
	// A reader may return nothing a few times; io.ReadFull's patience.
	for range 100 {
		n, err := d.src.Read(d.buf[d.have:])
		d.have += n
		d.total += int64(n)
		if excess := d.total - d.lim.MaxBodyBytes; excess > 0 {
			d.have -= int(excess)
			d.eof, d.readErr = true, errBodyTooLarge
			return int64(n) > excess
		}
		if err != nil {
			d.eof = true
			if err != io.EOF {
				d.readErr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	d.eof, d.readErr = true, io.ErrNoProgress
	return false
}

// skipSpace skips whitespace from buf[pos], reading more as needed. It
// reports false when the input ends first; pos is then d.have.
func (d *Decoder) skipSpace(pos int) (int, bool) {
	for {
		pos = skipSpace(d.buf[:d.have], pos)
		if pos < d.have {
			return pos, true
		}
		if !d.more(pos) {
			return d.have, false
		}
		pos = 0
	}
}

// lineAt returns the 1-based line of buf[idx], counting newlines lazily.
func (d *Decoder) lineAt(idx int) int {
	if idx >= d.lineIdx {
		d.lines += bytes.Count(d.buf[d.lineIdx:idx], newline)
	} else {
		d.lines -= bytes.Count(d.buf[idx:d.lineIdx], newline)
	}
	d.lineIdx = idx
	return d.lines + 1
}

var newline = []byte{'\n'}

func (d *Decoder) bodyError(idx int, reason string, err error) *BodyError {
	return &BodyError{Offset: d.base + int64(idx), Line: d.lineAt(idx), Reason: reason, Err: err}
}

// endError explains why the input stopped at buf[idx]: a read error, the
// body size limit, or else the end of input while expecting what.
func (d *Decoder) endError(idx int, what string) error {
	switch {
	case d.readErr == errBodyTooLarge:
		return d.limitError(idx, "bytes", d.lim.MaxBodyBytes)
	case d.readErr != nil && d.src == io.Reader(d.gz):
		return d.bodyError(idx, "reading gzip body: "+d.readErr.Error(), d.readErr)
	case d.readErr != nil:
		return d.bodyError(idx, "reading body: "+d.readErr.Error(), d.readErr)
	case what != "":
		return d.bodyError(idx, "unexpected end of input: "+what, nil)
	}
	return nil
}

func (d *Decoder) reject(index, idx int, reason string) {
	d.rejected = append(d.rejected, ItemError{Index: index, Line: d.lineAt(idx), Offset: d.base + int64(idx), Reason: reason})
}

func (d *Decoder) tooManyItems(idx int) error {
	return d.limitError(idx, "items", int64(d.lim.MaxItems))
}

func (d *Decoder) limitError(idx int, limit string, max int64) error {
	le := &LimitError{Limit: limit, Max: max}
	return d.bodyError(idx, le.Error(), le)
}

// admit counts the event just kept, which came from an item of size bytes
// at buf[idx], against MaxValues and the memory Reserve granted.
func (d *Decoder) admit(ev *Event, size, idx int) error {
	n := len(ev.Features) + len(ev.Prediction.Probabilities)
	if d.values += n; d.values > d.lim.MaxValues {
		return d.limitError(idx, "values", int64(d.lim.MaxValues))
	}
	d.footprint += int64(EventFootprint + ValueFootprint*n + size)
	if d.Reserve == nil || d.footprint <= d.reserved {
		return nil
	}
	more := max(reserveStep, d.footprint-d.reserved)
	if err := d.Reserve(more); err != nil {
		return d.bodyError(idx, err.Error(), err)
	}
	d.reserved += more
	return nil
}

func (d *Decoder) tooLarge() string {
	return fmt.Sprintf("item larger than %d bytes", d.lim.MaxItemBytes)
}

// decodeLines decodes NDJSON from buf[pos]; a bad line never affects the
// next one.
func (d *Decoder) decodeLines(pos int, events []Event) ([]Event, error) {
	maxLine := d.lim.MaxItemBytes + 1 // and a '\r'
	index := 0
	searched := 0 // bytes from pos known to hold no newline
	for {
		rest := d.buf[pos:d.have]
		var line []byte
		next := 0
		if n := bytes.IndexByte(rest[searched:], '\n'); n >= 0 {
			line, next = rest[:searched+n], pos+searched+n+1
			searched = 0
		} else if !d.eof && len(rest) <= maxLine {
			searched = len(rest)
			d.more(pos)
			pos = 0
			continue
		} else if d.eof {
			if d.readErr != nil {
				return events, d.endError(d.have, "")
			}
			if len(rest) == 0 {
				return events, nil
			}
			line, next, searched = rest, d.have, 0
		} else {
			// No end of line within the limit: reject and drop the rest of the line.
			if index == d.lim.MaxItems {
				return events, d.tooManyItems(pos)
			}
			d.reject(index, pos, d.tooLarge())
			index++
			searched = 0
			var ok bool
			if pos, ok = d.skipLine(pos); !ok {
				return events, d.endError(d.have, "")
			}
			continue
		}
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		start := skipSpace(line, 0)
		if start == len(line) {
			pos = next
			continue
		}
		if index == d.lim.MaxItems {
			return events, d.tooManyItems(pos)
		}
		if len(line) > d.lim.MaxItemBytes {
			d.reject(index, pos, d.tooLarge())
		} else {
			var reason string
			events, reason = d.parseLine(line, start, events)
			if reason != "" {
				d.reject(index, pos, reason)
			} else if err := d.admit(&events[len(events)-1], len(line), pos); err != nil {
				return events[:len(events)-1], err
			}
		}
		index++
		pos = next
	}
}

// skipLine drops input up to and including the next newline after buf[pos].
func (d *Decoder) skipLine(pos int) (int, bool) {
	for {
		if n := bytes.IndexByte(d.buf[pos:d.have], '\n'); n >= 0 {
			return pos + n + 1, true
		}
		if !d.more(d.have) {
			return d.have, d.readErr == nil
		}
		pos = 0
	}
}

// parseLine decodes the object in line[start:] and appends it to events, or
// says why not.
func (d *Decoder) parseLine(line []byte, start int, events []Event) ([]Event, string) {
	events = append(events, Event{})
	ev := &events[len(events)-1]
	d.b = line
	d.startItem()
	i, err := d.parseItem(start, ev)
	if err == nil {
		if i = skipSpace(line, i); i < len(line) {
			d.problem = fmt.Sprintf("unexpected %s after the object at column %d", describeByte(line[i]), i+1)
		}
	}
	if err == errShort {
		d.problem = fmt.Sprintf("invalid JSON: the line ends inside the object (column %d)", len(line)+1)
	} else if se, ok := err.(*syntaxError); ok {
		d.problem = fmt.Sprintf("invalid JSON at column %d: %s", se.idx+1, se.msg)
	}
	if d.problem != "" {
		return events[:len(events)-1], d.problem
	}
	d.keep(ev)
	if reason := d.check(ev); reason != "" {
		return events[:len(events)-1], reason
	}
	return events, ""
}

func (d *Decoder) check(ev *Event) string {
	if d.Check == nil {
		return ""
	}
	return d.Check(ev)
}

// decodeArray decodes the elements of a JSON array from buf[pos], just after
// its '['. An element that is well-formed JSON but not a valid event is an
// item error; malformed JSON ends the batch with a body error, because where
// the next element starts is then unknown.
func (d *Decoder) decodeArray(pos int, events []Event) ([]Event, error) {
	pos, ok := d.skipSpace(pos)
	if !ok {
		return events, d.endError(pos, "the array never closes")
	}
	if d.buf[pos] == ']' {
		return events, d.arrayEnd(pos + 1)
	}
	for index := 0; ; index++ {
		if index == d.lim.MaxItems {
			return events, d.tooManyItems(pos)
		}
		var err error
		events, pos, err = d.parseElement(pos, index, events)
		if err != nil {
			return events, err
		}
		if pos, ok = d.skipSpace(pos); !ok {
			return events, d.endError(pos, "the array never closes")
		}
		switch d.buf[pos] {
		case ',':
			if pos, ok = d.skipSpace(pos + 1); !ok {
				return events, d.endError(pos, "the array never closes")
			}
		case ']':
			return events, d.arrayEnd(pos + 1)
		default:
			return events, d.bodyError(pos, fmt.Sprintf("want ',' or ']' after item %d, got %s", index, describeByte(d.buf[pos])), nil)
		}
	}
}

// parseElement decodes the array element at buf[pos] and returns where it
// ends. The element is parsed from the buffer; when the buffer ends first,
// more input is read and the element parsed again from its start, so each
// element is parsed at most twice.
func (d *Decoder) parseElement(pos, index int, events []Event) ([]Event, int, error) {
	events = append(events, Event{})
	ev := &events[len(events)-1]
	for {
		limit := min(d.have, pos+d.lim.MaxItemBytes)
		d.b = d.buf[:limit]
		d.startItem()
		end, err := d.parseItem(pos, ev)
		se, malformed := err.(*syntaxError)
		switch {
		case err == nil:
			if d.problem != "" {
				d.reject(index, pos, d.problem)
				return events[:len(events)-1], end, nil
			}
			d.keep(ev)
			if reason := d.check(ev); reason != "" {
				d.reject(index, pos, reason)
				return events[:len(events)-1], end, nil
			}
			if err := d.admit(ev, end-pos, pos); err != nil {
				return events[:len(events)-1], 0, err
			}
			return events, end, nil
		case malformed:
			return events[:len(events)-1], 0, d.bodyError(se.idx, fmt.Sprintf("item %d is not valid JSON: %s", index, se.msg), nil)
		case limit == pos+d.lim.MaxItemBytes && (limit < d.have || !d.eof):
			d.reject(index, pos, d.tooLarge())
			end, ok := d.skipOversized(pos)
			if !ok {
				return events[:len(events)-1], 0, d.endError(end, "the array never closes")
			}
			return events[:len(events)-1], end, nil
		case d.eof:
			return events[:len(events)-1], 0, d.endError(d.have, "the array never closes")
		}
		// Read until the window holds twice as much (or a whole item's
		// worth), so a body trickling in a byte at a time costs parses of
		// twice its size in all, not of its size squared.
		target := min(2*(d.have-pos), d.lim.MaxItemBytes+1)
		d.more(pos)
		pos = 0
		for d.have < target && d.more(0) {
		}
		*ev = Event{}
	}
}

// arrayEnd checks that only whitespace follows the array.
func (d *Decoder) arrayEnd(pos int) error {
	pos, ok := d.skipSpace(pos)
	if ok {
		return d.bodyError(pos, fmt.Sprintf("unexpected %s after the array", describeByte(d.buf[pos])), nil)
	}
	return d.endError(pos, "")
}

// skipOversized skips the array element at buf[pos] that is too large to
// hold, following only strings and brackets: it is rejected anyway, and
// malformed JSON around it still shows up in what follows.
func (d *Decoder) skipOversized(pos int) (int, bool) {
	depth := 0
	inString, escaped := false, false
	for {
		for ; pos < d.have; pos++ {
			c := d.buf[pos]
			switch {
			case inString:
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					inString = false
					if depth == 0 {
						return pos + 1, true
					}
				}
			case c == '"':
				inString = true
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				if depth == 0 {
					return pos, true
				}
				depth--
				if depth == 0 {
					return pos + 1, true
				}
			case depth == 0 && (c == ',' || isSpace(c)):
				return pos, true
			}
		}
		if !d.more(pos) {
			return d.have, false
		}
		pos = 0
	}
}

// sniffReader replays the bytes read while looking for the gzip magic, then
// reads on from the body.
type sniffReader struct {
	head []byte
	off  int
	r    io.Reader
}

func (s *sniffReader) reset(head []byte, r io.Reader) {
	s.head = append(s.head[:0], head...)
	s.off, s.r = 0, r
}

func (s *sniffReader) Read(p []byte) (int, error) {
	if s.off < len(s.head) {
		n := copy(p, s.head[s.off:])
		s.off += n
		return n, nil
	}
	return s.r.Read(p)
}
