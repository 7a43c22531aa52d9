package dataset

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"testing"
	"unicode/utf8"
)

// isMissingText says whether a cell, as another parser sees it, is missing.
func isMissingText(s string) bool { return isMissing(trimSpace([]byte(s))) }

func FuzzReadCSV(f *testing.F) {
	seeds := []string{
		"a,b\n1,2\n3,4\n",
		"a;b\n1,5;x\nNA;y\n",
		"a\tb\n\"q\"\"uote\"\t\"multi\nline\"\n",
		"\uFEFFx,y\r\n1,\r\ninf,-inf\r\n",
		"t,b\n2011-01-01,yes\n2011-01-02T10:00:00Z,no\n",
		"a,b\n1,2,3\n",
		"a,\"b\n1,2\n",
		"a,a\n1,2\n",
		"x\n\xff\n",
		"a,b\n\"x\"y,1\n",
		"",
		"h\n\n\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunks uint8) {
		n := int(chunks%4) + 1
		for _, opts := range []Options{{Format: FormatCSV}, {Format: FormatCSV, Delimiter: ','}} {
			tab, err := readBytes(data, "fuzz.csv", opts, n)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v is %T, not *Error", err, err)
				}
				continue
			}
			checkInvariants(t, tab)
			if opts.Delimiter == ',' {
				compareWithEncodingCSV(t, data, tab)
			}
		}
	})
}

// compareWithEncodingCSV checks a table against the standard library's
// reading of the same input, where both readers agree on the rules.
func compareWithEncodingCSV(t *testing.T, data []byte, tab *Table) {
	t.Helper()
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		t.Fatalf("invalid UTF-8 was accepted")
	}
	r := csv.NewReader(bytes.NewReader(data))
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("accepted what encoding/csv rejects: %v", err)
	}
	if len(records) == 0 || len(records)-1 != tab.Rows || len(records[0]) != len(tab.Columns) {
		t.Fatalf("encoding/csv sees %d records, we %d rows of %d columns", len(records), tab.Rows, len(tab.Columns))
	}
	for j, c := range tab.Columns {
		if c.Name != records[0][j] {
			t.Fatalf("column %d: name %q, encoding/csv says %q", j, c.Name, records[0][j])
		}
		for i, rec := range records[1:] {
			text := rec[j]
			switch {
			case isMissingText(text):
				if got := cell(c, i); got != "NA" {
					t.Fatalf("row %d column %q: %q should be missing, got %q", i, c.Name, text, got)
				}
			case c.Type == Categorical || c.Type == Text:
				if got := cell(c, i); got != text {
					t.Fatalf("row %d column %q: got %q, encoding/csv says %q", i, c.Name, got, text)
				}
			case c.Type == Numeric:
				want, err := strconv.ParseFloat(string(trimSpace([]byte(text))), 64)
				if (err != nil && !errors.Is(err, strconv.ErrRange)) || !sameFloat(c.Floats[i], want) {
					t.Fatalf("row %d column %q: got %v from %q", i, c.Name, c.Floats[i], text)
				}
			}
		}
	}
}

func sameFloat(a, b float64) bool { return a == b || a != a && b != b }

func FuzzReadJSONL(f *testing.F) {
	seeds := []string{
		`{"a":1,"b":"x"}` + "\n" + `{"a":2.5,"c":{"d":true}}` + "\n",
		`{"a":null}` + "\n\n" + `{"a":"NA","b":[1,2]}` + "\n",
		`{"s":"\u00e9\ud83d\ude00","n":-1e-7}`,
		`{"t":"2024-01-01T00:00:00Z"}` + "\r\n" + `{"t":"2024-01-02"}`,
		`[1]`,
		`{"a":1,"a":2}`,
		`{"a":{"b":{"c":{}}}}`,
		"{\"a\":\"\xff\"}",
		`{"a":01}`,
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunks uint8) {
		n := int(chunks%4) + 1
		tab, err := readBytes(data, "fuzz.jsonl", Options{Format: FormatJSONL}, n)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is %T, not *Error", err, err)
			}
			return
		}
		checkInvariants(t, tab)
		compareWithEncodingJSON(t, data, tab)
	})
}

// compareWithEncodingJSON checks a table against encoding/json's reading of
// each line, flattened the same way.
func compareWithEncodingJSON(t *testing.T, data []byte, tab *Table) {
	t.Helper()
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		t.Fatalf("invalid UTF-8 was accepted")
	}
	var rows []map[string]string // flattened key -> text; absent or null: missing
	for line := range bytes.Lines(data) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			t.Fatalf("accepted a line encoding/json rejects: %q: %v", line, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Fatalf("accepted trailing data in %q", line)
		}
		flat := map[string]string{}
		flatten("", obj, flat)
		rows = append(rows, flat)
	}
	if len(rows) != tab.Rows {
		t.Fatalf("encoding/json sees %d objects, we %d rows", len(rows), tab.Rows)
	}
	for _, c := range tab.Columns {
		for i, row := range rows {
			text, present := row[c.Name]
			got := cell(c, i)
			switch {
			case !present || isMissingText(text):
				if got != "NA" {
					t.Fatalf("row %d key %q: %q should be missing, got %q", i, c.Name, text, got)
				}
			case c.Type == Categorical || c.Type == Text:
				if got != text {
					t.Fatalf("row %d key %q: got %q, encoding/json says %q", i, c.Name, got, text)
				}
			case c.Type == Numeric:
				want, err := strconv.ParseFloat(string(trimSpace([]byte(text))), 64)
				if (err != nil && !errors.Is(err, strconv.ErrRange)) || !sameFloat(c.Floats[i], want) {
					t.Fatalf("row %d key %q: got %v from %q", i, c.Name, c.Floats[i], text)
				}
			}
		}
	}
}

func flatten(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, x, out)
		}
	case nil:
	case string:
		out[prefix] = v
	default:
		out[prefix] = fmt.Sprint(v)
	}
}

// FuzzReadHinted: a hint binds nothing and changes nothing but the type it
// names. Every input the reader takes without hints it takes with any, and
// each hinted column is either the column forcing the hint gives, or,
// with Mismatch set to exactly the error forcing it gives, the column read
// without the hint.
func FuzzReadHinted(f *testing.F) {
	seeds := []struct {
		data  string
		hints uint64
	}{
		{"a,b,c\n1,x,2011-01-01\n0,y,\n", 0x321},
		{"a\n0\n1\nyes\n3\n", 0x2},
		{"w,n\nclear,1\n\"mi\nst\",2\n", 0x11},
		{`{"a":1,"b":true}` + "\n" + `{"a":"x","b":2}`, 0x21},
	}
	for _, s := range seeds {
		f.Add([]byte(s.data), s.hints, uint8(1))
	}
	hintTypes := [...]Type{Unknown, Numeric, Boolean, Datetime, Categorical, Text}
	f.Fuzz(func(t *testing.T, data []byte, hints uint64, chunks uint8) {
		n := int(chunks%4) + 1
		plain, err := readBytes(data, "fuzz", Options{}, n)
		if err != nil {
			return
		}
		opts := Options{Hints: map[string]Type{"absent": Numeric}}
		for i, c := range plain.Columns {
			if h := hintTypes[(hints>>(4*(i%16)))&0xf%uint64(len(hintTypes))]; h != Unknown {
				opts.Hints[c.Name] = h
			}
		}
		hinted, err := readBytes(data, "fuzz", opts, n)
		if err != nil {
			t.Fatalf("hints %v: %v", opts.Hints, err)
		}
		checkInvariants(t, hinted)
		for i, c := range hinted.Columns {
			h, ok := opts.Hints[c.Name]
			if !ok {
				if !sameColumn(c, plain.Columns[i]) {
					t.Fatalf("column %q without a hint changed", c.Name)
				}
				continue
			}
			forced, ferr := readBytes(data, "fuzz", Options{Types: map[string]Type{c.Name: h}}, n)
			switch {
			case c.Mismatch == nil && ferr != nil:
				t.Fatalf("column %q took hint %v that forcing it rejects: %v", c.Name, h, ferr)
			case c.Mismatch == nil && !sameColumn(c, forced.Columns[i]):
				t.Fatalf("column %q with hint %v: %s, forced: %s", c.Name, h, cells(c), cells(forced.Columns[i]))
			case c.Mismatch != nil && (ferr == nil || ferr.Error() != c.Mismatch.Error()):
				t.Fatalf("column %q: Mismatch %v, forcing %v gives %v", c.Name, c.Mismatch, h, ferr)
			case c.Mismatch != nil && !sameColumn(c, plain.Columns[i]):
				t.Fatalf("column %q missed hint %v but differs from the column read without it", c.Name, h)
			}
		}
	})
}

// sameColumn compares two columns' names, types and values.
func sameColumn(a, b *Column) bool {
	return sameTable(&Table{Columns: []*Column{{Name: a.Name, Type: a.Type, Floats: a.Floats, Codes: a.Codes, Levels: a.Levels, Missing: a.Missing, Inf: a.Inf}}},
		&Table{Columns: []*Column{{Name: b.Name, Type: b.Type, Floats: b.Floats, Codes: b.Codes, Levels: b.Levels, Missing: b.Missing, Inf: b.Inf}}})
}
