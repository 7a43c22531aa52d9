package dataset

import (
	"fmt"
	"strings"
	"testing"
)

func TestReadJSONL(t *testing.T) {
	na := "NA"
	tests := []struct {
		name string
		in   string
		opts Options
		want []col
	}{
		{
			name: "nested objects flatten with dots",
			in:   `{"id":1,"features":{"amount":3,"geo":{"lat":52.5}},"label":"ok"}` + "\n" + `{"id":2,"features":{"amount":4.5,"geo":{"lat":-1}},"label":"fraud"}` + "\n",
			want: []col{{"id", Numeric, []string{"1", "2"}}, {"features.amount", Numeric, []string{"3", "4.5"}},
				{"features.geo.lat", Numeric, []string{"52.5", "-1"}}, {"label", Categorical, []string{"ok", "fraud"}}},
		},
		{
			name: "absent keys and null are missing, columns in order of appearance",
			in:   `{"a":1}` + "\n" + `{"b":"x"}` + "\n" + `{"a":null,"b":"y","c":true}` + "\n",
			want: []col{{"a", Numeric, []string{"1", na, na}}, {"b", Categorical, []string{na, "x", "y"}}, {"c", Boolean, []string{na, na, "1"}}},
		},
		{
			name: "blank lines and spaces are skipped, CRLF works",
			in:   "\n  {\"a\" : 2 , \"b\":\t\"u\" }  \r\n\r\n{\"a\":3,\"b\":\"v\"}",
			want: []col{{"a", Numeric, []string{"2", "3"}}, {"b", Categorical, []string{"u", "v"}}},
		},
		{
			name: "keys in a different order on every line",
			in:   `{"a":1,"b":"x","n":{"c":2}}` + "\n" + `{"b":"y","a":2}` + "\n" + `{"n":{"c":3},"c":4,"a":3}` + "\n" + `{"c":5,"b":"z","n":{"c":null}}` + "\n",
			want: []col{{"a", Numeric, []string{"1", "2", "3", na}}, {"b", Categorical, []string{"x", "y", na, "z"}},
				{"n.c", Numeric, []string{"2", na, "3", na}}, {"c", Numeric, []string{na, na, "4", "5"}}},
		},
		{
			name: "JSON booleans",
			in:   `{"f":true}` + "\n" + `{"f":false}` + "\n" + `{"f":null}` + "\n",
			want: []col{{"f", Boolean, []string{"1", "0", na}}},
		},
		{
			name: "numbers and numeric strings mix",
			in:   `{"x":1.5}` + "\n" + `{"x":"2.5"}` + "\n" + `{"x":"NA"}` + "\n" + `{"x":"-inf"}` + "\n",
			want: []col{{"x", Numeric, []string{"1.5", "2.5", na, "-Inf"}}},
		},
		{
			name: "numbers keep full precision",
			in:   `{"x":0.30000000000000004}` + "\n" + `{"x":-9007199254740993}` + "\n" + `{"x":1e-310}` + "\n" + `{"x":123456789.123456789}` + "\n",
			want: []col{{"x", Numeric, []string{"0.30000000000000004", "-9.007199254740992e+15", "1e-310", "1.2345678912345679e+08"}}},
		},
		{
			name: "escapes",
			in:   `{"s":"caf\u00e9 \"q\" \\ \/ \t \ud83d\ude00 \ud800"}` + "\n" + `{"s":"plain"}` + "\n",
			want: []col{{"s", Categorical, []string{"café \"q\" \\ / \t 😀 \uFFFD", "plain"}}},
		},
		{
			name: "escaped keys",
			in:   `{"a\u002eb":1,"\u00e9":2}` + "\n",
			want: []col{{"a.b", Numeric, []string{"1"}}, {"é", Numeric, []string{"2"}}},
		},
		{
			name: "datetimes from strings",
			in:   `{"t":"2024-05-01T12:00:00Z"}` + "\n" + `{"t":"2024-05-01"}` + "\n",
			want: []col{{"t", Datetime, []string{"2024-05-01T12:00:00Z", "2024-05-01T00:00:00Z"}}},
		},
		{
			name: "empty objects give rows without values",
			in:   `{}` + "\n" + `{"a":{}}` + "\n" + `{"b":"x y z"}` + "\n",
			want: []col{{"b", Text, []string{na, na, "x y z"}}},
		},
		{
			name: "override a number to categorical keeps its text",
			in:   `{"code":1.50}` + "\n" + `{"code":"7"}` + "\n",
			opts: Options{Types: map[string]Type{"code": Categorical}},
			want: []col{{"code", Categorical, []string{"1.50", "7"}}},
		},
		{
			name: "arrays and other keys left out by Columns",
			in:   `{"id":1,"emb":[1,[2,{"x":3}]],"meta":{"tags":["a"]},"k":"v"}` + "\n" + `{"id":2,"meta":{"tags":[]}}` + "\n",
			opts: Options{Columns: []string{"k", "id"}},
			want: []col{{"k", Categorical, []string{"v", na}}, {"id", Numeric, []string{"1", "2"}}},
		},
		{
			name: "a key that is an object in one row and a value in another",
			in:   `{"a":{"b":1}}` + "\n" + `{"a":5}` + "\n",
			want: []col{{"a.b", Numeric, []string{"1", na}}, {"a", Numeric, []string{na, "5"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readEveryWay(t, "in.jsonl", tt.in, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkTable(t, got, tt.want)
		})
	}
}

func TestReadJSONLErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		opts   Options
		line   int
		column string
		msg    string
	}{
		{"empty file", "\n\n", Options{}, 0, "", "empty file"},
		{"not an object", `{"a":1}` + "\n" + `[1,2]` + "\n", Options{}, 2, "", "want a JSON object, got an array"},
		{"a bare string", "\n\n\"x\"\n", Options{}, 3, "", "want a JSON object, got a string"},
		{"an array value", `{"a":1}` + "\n" + `{"a":2,"b":[1]}` + "\n", Options{}, 2, "b", "arrays are not supported"},
		{"an array inside a nested object", `{"m":{"t":[]}}`, Options{}, 1, "m.t", "arrays are not supported"},
		{"truncated line", `{"a":1}` + "\n" + `{"a":` + "\n", Options{}, 2, "", "byte 6: want a value, got end of line"},
		{"trailing comma", `{"a":1,}`, Options{}, 1, "", "byte 8: want a key string, got '}'"},
		{"missing colon", `{"a" 1}`, Options{}, 1, "", "want ':' after a key"},
		{"data after the object", `{"a":1} x`, Options{}, 1, "", "unexpected 'x' after the object"},
		{"two objects on a line", `{"a":1}{"a":2}`, Options{}, 1, "", "after the object"},
		{"bad literal", `{"a":nul}`, Options{}, 1, "", "want a value"},
		{"bad number", `{"a":01}`, Options{}, 1, "", "want ',' or '}'"},
		{"bad fraction", `{"a":1.}`, Options{}, 1, "", "want a digit after the decimal point"},
		{"bad exponent", `{"a":1e+}`, Options{}, 1, "", "want a digit in the exponent"},
		{"leading plus", `{"a":+1}`, Options{}, 1, "", "want a value, got '+'"},
		{"NaN is not JSON", `{"a":NaN}`, Options{}, 1, "", "want a value"},
		{"unterminated string", `{"a":"abc}`, Options{}, 1, "", "string never closed"},
		{"raw control character", "{\"a\":\"x\ty\"}", Options{}, 1, "", "control character"},
		{"bad escape", `{"a":"\x"}`, Options{}, 1, "", `invalid escape \x`},
		{"short unicode escape", `{"a":"\u12"}`, Options{}, 1, "", "four hex digits"},
		{"duplicate key", `{"a":1,"a":2}`, Options{}, 1, "a", "duplicate key"},
		{"dotted key meets nested object", `{"a.b":1,"a":{"b":2}}`, Options{}, 1, "a.b", "duplicate key"},
		{"duplicate object key", `{"a":{"x":1},"a":{"y":2}}`, Options{}, 1, "a", "duplicate key"},
		{"duplicate key, value then object", `{"a":1,"a":{"b":2}}`, Options{}, 1, "a", "duplicate key"},
		{"duplicate key not read", `{"a":1,"b":2,"b":3}`, Options{Columns: []string{"a"}}, 1, "b", "duplicate key"},
		{"empty key", `{"":1}`, Options{}, 1, "", "empty key"},
		{"invalid UTF-8 in a value", `{"a":"ok"}` + "\n" + "{\"a\":\"caf\xe9\"}", Options{}, 2, "a", "invalid UTF-8 (byte 0xe9)"},
		{"invalid UTF-8 in a key", "{\"n\":{\"k\xff\":1}}", Options{}, 1, "n", "invalid UTF-8 (byte 0xff) in a key"},
		{"invalid UTF-8 outside strings", "{\"a\":1}\xff", Options{}, 1, "", "unexpected byte 0xff after the object"},
		{"nested too deep", strings.Repeat(`{"a":`, 1001) + "1" + strings.Repeat("}", 1001), Options{}, 1, "", "nested more than 1000 deep"},
		{"a new key on every line", sparseKeys(3000), Options{}, 0, "", "1091 distinct keys over the first 1091 objects"},
		{"too sparse before a syntax error", sparseKeys(3000) + "{\n", Options{}, 0, "", "1091 distinct keys"},
		{"too sparse shortly before a syntax error", sparseKeys(1099) + "{\n" + sparseKeys(2000), Options{}, 0, "", "1091 distinct keys"},
		{"a syntax error before too sparse", "{\n" + sparseKeys(3000), Options{}, 1, "", "want a key string"},
		{"forced numeric", `{"a":1}` + "\n" + `{"a":true}`, Options{Types: map[string]Type{"a": Numeric}}, 2, "a", `"true" is not a number`},
		{"forced boolean", `{"a":"x"}`, Options{Types: map[string]Type{"a": Boolean}}, 1, "a", `"x" is not a boolean`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readEveryWay(t, "in.jsonl", tt.in, tt.opts)
			wantError(t, err, tt.line, tt.column, tt.msg)
		})
	}
}

// sparseKeys makes n lines with a key of their own each.
func sparseKeys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "{\"k%d\":1}\n", i)
	}
	return b.String()
}

func TestReadJSONLSparseKeysWithColumns(t *testing.T) {
	// Choosing columns makes the same input readable.
	got, err := readEveryWay(t, "in.jsonl", sparseKeys(3000), Options{Columns: []string{"k7"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Columns[0]; got.Rows != 3000 || c.Missing != 2999 || c.Floats[7] != 1 {
		t.Fatalf("got %d rows, %d missing", got.Rows, c.Missing)
	}
}
