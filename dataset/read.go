package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Format is the layout of the input.
type Format uint8

const (
	// FormatAuto decides by the file name's extension (.csv, .tsv, .txt:
	// CSV; .jsonl, .ndjson, .json: JSON lines), else by the first
	// non-space byte ('{' means JSON lines).
	FormatAuto Format = iota
	FormatCSV
	FormatJSONL
)

// Options control how input is read. The zero value detects everything.
type Options struct {
	Format Format
	// Delimiter separates CSV fields. 0 detects ',', ';' or tab from the
	// header and the first records (tab for a .tsv file); any other ASCII
	// character except a quote, CR or LF may be given.
	Delimiter rune
	// Types forces the type of the named columns instead of inferring it;
	// a value that does not parse as the forced type is an *Error. Unknown
	// means infer. Naming a column that is not read is an error.
	Types map[string]Type
	// Hints gives the types the named columns are expected to have, as
	// when current data is read with the types of its reference: unlike
	// Types, a hint binds nothing. A hinted column the input lacks is
	// simply absent; one whose values do not all parse as its hint gets
	// the type they infer, and Column.Mismatch names the first that does
	// not. Types wins over Hints for a column named in both.
	Hints map[string]Type
	// Columns, if non-nil, keeps only these columns, in this order. Naming
	// a column the input lacks is an error.
	Columns []string
}

// minChunk is the least input worth handing to another core.
const minChunk = 1 << 20

// reader holds one input and what was decided about it.
type reader struct {
	name string
	base string // lower-case base name without .gz, for extension rules
	buf  []byte
	opts Options
	// chunks, when positive, fixes how many parts the input is cut into
	// (tests use it to check that the split changes nothing).
	chunks int
}

// ReadFile reads a CSV or JSON-lines file. Gzip-compressed input is
// decompressed whatever the file is called; a .gz suffix is ignored when
// the format is chosen by extension.
func ReadFile(path string, opts Options) (*Table, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return readBytes(buf, path, opts, 0)
}

// Read reads CSV or JSON lines from r; name labels errors and the Table and
// picks the format by extension like ReadFile.
func Read(r io.Reader, name string, opts Options) (*Table, error) {
	buf, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return readBytes(buf, name, opts, 0)
}

func readBytes(buf []byte, name string, opts Options, chunks int) (*Table, error) {
	if len(buf) >= 2 && buf[0] == 0x1f && buf[1] == 0x8b {
		var err error
		if buf, err = gunzip(buf); err != nil {
			return nil, &Error{File: name, Msg: "gzip: " + err.Error()}
		}
	}
	buf = bytes.TrimPrefix(buf, []byte("\uFEFF"))
	first := bytes.IndexFunc(buf, func(r rune) bool { return r != ' ' && r != '\t' && r != '\r' && r != '\n' })
	if first < 0 {
		return nil, &Error{File: name, Msg: "empty file"}
	}
	r := &reader{
		name:   name,
		base:   strings.TrimSuffix(strings.ToLower(filepath.Base(name)), ".gz"),
		buf:    buf,
		opts:   opts,
		chunks: chunks,
	}
	for _, col := range sortedKeys(opts.Types) {
		if t := opts.Types[col]; t > Text {
			return nil, &Error{File: name, Column: col, Msg: fmt.Sprintf("Options.Types: invalid %v", t)}
		}
	}
	for _, col := range sortedKeys(opts.Hints) {
		if t := opts.Hints[col]; t > Text {
			return nil, &Error{File: name, Column: col, Msg: fmt.Sprintf("Options.Hints: invalid %v", t)}
		}
	}
	format := opts.Format
	if format == FormatAuto {
		switch filepath.Ext(r.base) {
		case ".csv", ".tsv", ".txt":
			format = FormatCSV
		case ".jsonl", ".ndjson", ".json":
			format = FormatJSONL
		default:
			format = FormatCSV
			if buf[first] == '{' {
				format = FormatJSONL
			}
		}
	}
	switch format {
	case FormatCSV:
		return r.readCSV()
	case FormatJSONL:
		return r.readJSONL()
	}
	return nil, &Error{File: name, Msg: fmt.Sprintf("Options.Format: invalid format %d", format)}
}

// gunzip decompresses a whole gzip stream (all its members).
func gunzip(buf []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(buf))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	// The trailer holds the last member's size mod 2^32: a good hint for
	// the usual single member, capped so a forged trailer cannot make us
	// reserve absurd amounts.
	hint := int(binary.LittleEndian.Uint32(buf[len(buf)-4:]))
	out.Grow(min(hint, 64*len(buf)) + bytes.MinRead)
	if _, err := out.ReadFrom(zr); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// firstInvalidUTF8 is the offset of the first invalid UTF-8 byte in
// buf[start:end], or -1. Chunks check their own range, in parallel; they are
// cut at newlines, which never fall inside a multi-byte sequence.
func firstInvalidUTF8(buf []byte, start, end int) int {
	b := buf[start:end]
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return start + i
		}
		i += size
	}
	return -1
}

func countByte(b []byte, c byte) int { return bytes.Count(b, []byte{c}) }

// checkOptions validates Options.Columns and Options.Types against the
// columns the input has; have lists them for messages.
func (r *reader) checkOptions(exists func(string) bool, have func() []string) error {
	listed := make(map[string]bool, len(r.opts.Columns))
	for _, name := range r.opts.Columns {
		if listed[name] {
			return &Error{File: r.name, Column: name, Msg: "Options.Columns lists this column twice"}
		}
		listed[name] = true
		if !exists(name) {
			return &MissingColumnError{File: r.name, Column: name, Option: "Columns", Have: have()}
		}
	}
	for _, name := range sortedKeys(r.opts.Types) {
		if !exists(name) {
			return &MissingColumnError{File: r.name, Column: name, Option: "Types", Have: have()}
		}
		if r.opts.Columns != nil && !listed[name] {
			return &Error{File: r.name, Column: name, Msg: "Options.Types names a column not in Options.Columns"}
		}
	}
	return nil
}

// typing says how a column is read: the type it is forced to (Unknown:
// inferred) and the type it is hinted to have (Numeric, Boolean or
// Datetime; Unknown: none). A Categorical or Text hint is read as forced,
// since every value parses as those.
func (r *reader) typing(name string) (forced, hint Type) {
	if t := r.opts.Types[name]; t != Unknown {
		return t, Unknown
	}
	switch t := r.opts.Hints[name]; t {
	case Categorical, Text:
		return t, Unknown
	default:
		return Unknown, t
	}
}

// mismatch is the error forcing a column's hinted type would have been,
// at its first cell that does not parse as that type.
func (r *reader) mismatch(name string, hint Type, parts []*part) *Error {
	if hint == Unknown {
		return nil
	}
	m := firstMiss(parts)
	if m == nil {
		return nil
	}
	return &Error{File: r.name, Line: m.line, Column: name, Msg: parseError(kindOf(hint), []byte(m.text))}
}

// MissingColumnError is a column that Options.Columns or Options.Types
// names and the input lacks. It is an error of its own type so that a
// program can word it in its own terms (the flag that named the column).
type MissingColumnError struct {
	File   string
	Column string
	Option string   // the option that names it: "Columns" or "Types"
	Have   []string // the input's columns
}

func (e *MissingColumnError) Error() string {
	msg := "no such column"
	if e.Option != "Columns" {
		msg = "Options." + e.Option + " names a column the input lacks"
	}
	return (&Error{File: e.File, Column: e.Column, Msg: msg + " (the input has " + e.Listing() + ")"}).Error()
}

// Listing describes the input's columns for a message: the first ten,
// quoted, and how many more ("no columns" when there are none).
func (e *MissingColumnError) Listing() string {
	const shown = 10
	if len(e.Have) == 0 {
		return "no columns"
	}
	quoted := make([]string, 0, shown)
	for _, n := range e.Have[:min(len(e.Have), shown)] {
		quoted = append(quoted, fmt.Sprintf("%q", n))
	}
	s := strings.Join(quoted, ", ")
	if len(e.Have) > shown {
		s += fmt.Sprintf(" and %d more", len(e.Have)-shown)
	}
	return s
}

func sortedKeys(m map[string]Type) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// chunkCount decides how many parts to cut n bytes of records into: one
// per core, each at least minChunk long.
func (r *reader) chunkCount(n int) int {
	if r.chunks > 0 {
		return r.chunks
	}
	return max(1, min(runtime.GOMAXPROCS(0), n/minChunk))
}

// parallel runs f(0) ... f(n-1) on at most one goroutine per core and
// waits for all.
func parallel(n int, f func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}
