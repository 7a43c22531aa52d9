package dataset

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

func gzipped(t testing.TB, data string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	csv := "a,b\n1,x\n2,y\n"
	jsonl := `{"a":1,"b":"x"}` + "\n" + `{"a":2,"b":"y"}` + "\n"
	files := map[string][]byte{
		"plain.csv":        []byte(csv),
		"packed.csv.gz":    gzipped(t, csv),
		"events.jsonl":     []byte(jsonl),
		"events.ndjson.gz": gzipped(t, jsonl),
		"events.json":      []byte(jsonl),
		"export.txt":       []byte(csv),
		"noext":            []byte(jsonl), // sniffed: starts with '{'
		"noext.gz":         gzipped(t, csv),
		"misnamed.csv":     gzipped(t, csv), // gzip is recognised by its magic bytes
	}
	want := []col{{"a", Numeric, []string{"1", "2"}}, {"b", Categorical, []string{"x", "y"}}}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			got, err := ReadFile(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Source != path {
				t.Errorf("Source = %q, want %q", got.Source, path)
			}
			checkTable(t, got, want)
		})
	}

	if _, err := ReadFile(filepath.Join(dir, "absent.csv"), Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.csv.gz")
	if err := os.WriteFile(bad, gzipped(t, csv)[:20], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(bad, Options{})
	wantError(t, err, 0, "", "gzip: unexpected EOF")
}

func TestReadFormatOption(t *testing.T) {
	// The option beats the extension.
	got, err := Read(strings.NewReader(`{"a":"1"}`), "x.csv", Options{Format: FormatJSONL})
	if err != nil {
		t.Fatal(err)
	}
	checkTable(t, got, []col{{"a", Numeric, []string{"1"}}})
	got, err = Read(strings.NewReader("{a}\n1\n"), "x.jsonl", Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	checkTable(t, got, []col{{"{a}", Numeric, []string{"1"}}})
}

func TestReadReaderError(t *testing.T) {
	_, err := Read(iotest.ErrReader(errors.New("disk on fire")), "in.csv", Options{})
	if err == nil || err.Error() != "in.csv: disk on fire" {
		t.Fatalf("got %v", err)
	}
}

// TestReadLarge checks inference and error lines over inputs big enough to
// be cut into chunks the way real files are.
func TestReadLarge(t *testing.T) {
	rows := 300_000
	if testing.Short() {
		rows = 100_000
	}
	base := numericCSV(rows, 3)
	if len(base) < 2*minChunk {
		t.Fatalf("test input of %d bytes is too small to be split", len(base))
	}
	whole, err := readBytes(base, "big.csv", Options{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	split, err := readBytes(base, "big.csv", Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !sameTable(whole, split) || whole.Rows != rows {
		t.Fatalf("split read differs from whole read, or wrong row count %d", whole.Rows)
	}
	for _, c := range whole.Columns {
		if c.Type != Numeric || c.Missing != 0 {
			t.Fatalf("column %s: %v with %d missing", c.Name, c.Type, c.Missing)
		}
	}

	// One bad value in the last row changes the column type.
	late := append(bytes.Clone(base), "1,2,oops\n"...)
	tab, err := readBytes(late, "big.csv", Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	firstRow := strings.Split(strings.SplitN(string(base), "\n", 3)[1], ",")
	if c := tab.Column("f2"); c.Type != Categorical || c.Levels[c.Codes[0]] != firstRow[2] || c.Levels[c.Codes[rows]] != "oops" {
		t.Fatalf("f2 is %v, want categorical keeping the text of every row", c.Type)
	}
	if c := tab.Column("f0"); c.Type != Numeric {
		t.Fatalf("f0 is %v", c.Type)
	}
	_, err = readBytes(late, "big.csv", Options{Types: map[string]Type{"f2": Numeric}}, 0)
	wantError(t, err, rows+2, "f2", `"oops" is not a number`)

	// A ragged row near the end of a split input keeps its line number.
	ragged := append(bytes.Clone(base), "1,2\n"...)
	_, err = readBytes(ragged, "big.csv", Options{}, 0)
	wantError(t, err, rows+2, "", "found 2")
}

func TestReadLargeMixed(t *testing.T) {
	rows := 40_000
	if testing.Short() {
		rows = 10_000
	}
	tests := []struct {
		name string
		data []byte
		want map[string]Type
	}{
		{"log.csv", mixedCSV(rows), map[string]Type{"amount": Numeric, "merchant": Categorical, "is_fraud": Boolean,
			"time": Datetime, "note": Categorical}},
		{"ev.jsonl", mixedJSONL(rows), map[string]Type{"id": Numeric, "features.amount": Numeric, "features.age": Numeric,
			"features.score": Numeric, "country": Categorical, "fraud": Boolean, "time": Datetime}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole, err := readBytes(tt.data, tt.name, Options{}, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{2, 5} {
				split, err := readBytes(tt.data, tt.name, Options{}, n)
				if err != nil {
					t.Fatal(err)
				}
				if !sameTable(whole, split) {
					t.Fatalf("%d chunks differ from one", n)
				}
			}
			checkInvariants(t, whole)
			types := map[string]Type{}
			for _, c := range whole.Columns {
				types[c.Name] = c.Type
			}
			if whole.Rows != rows || fmt.Sprint(types) != fmt.Sprint(tt.want) {
				t.Fatalf("%d rows typed %v, want %d typed %v", whole.Rows, types, rows, tt.want)
			}
		})
	}
}

func TestTypeText(t *testing.T) {
	for _, typ := range []Type{Unknown, Numeric, Categorical, Boolean, Datetime, Text} {
		b, err := typ.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Type
		if err := back.UnmarshalText(b); err != nil || back != typ {
			t.Errorf("%v: round trip gave %v, %v", typ, back, err)
		}
	}
	if _, err := ParseType("float"); err == nil {
		t.Error("ParseType accepted float")
	}
}
