package dataset

import (
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	na := "NA"
	tests := []struct {
		name string
		file string // decides the format and names errors
		in   string
		opts Options
		want []col
	}{
		{
			name: "numbers and categories",
			in:   "amount,country\n12.5,DE\n-3,FR\n1e3,DE\n",
			want: []col{{"amount", Numeric, []string{"12.5", "-3", "1000"}}, {"country", Categorical, []string{"DE", "FR", "DE"}}},
		},
		{
			name: "quoted delimiter, doubled quote and newline",
			in:   "id,note\n1,\"a,b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,\"\"\n",
			want: []col{{"id", Numeric, []string{"1", "2", "3", "4"}}, {"note", Categorical, []string{"a,b", `say "hi"`, "two\nlines", na}}},
		},
		{
			name: "CRLF line endings, also inside quotes",
			in:   "a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n",
			want: []col{{"a", Numeric, []string{"1", "2"}}, {"b", Categorical, []string{"x\ny", "z"}}},
		},
		{
			name: "byte order mark",
			in:   "\uFEFFa,b\n1,2\n3,4\n",
			want: []col{{"a", Numeric, []string{"1", "3"}}, {"b", Numeric, []string{"2", "4"}}},
		},
		{
			name: "semicolon detected",
			in:   "price;city\n3,5;Köln\n4,25;Bonn\n",
			want: []col{{"price", Categorical, []string{"3,5", "4,25"}}, {"city", Categorical, []string{"Köln", "Bonn"}}},
		},
		{
			name: "tab detected",
			in:   "a\tb\n1,5\t2\n3\t4\n",
			want: []col{{"a", Categorical, []string{"1,5", "3"}}, {"b", Numeric, []string{"2", "4"}}},
		},
		{
			name: "tab for a .tsv file with one column",
			file: "one.tsv",
			in:   "note\na, b\nc\n",
			want: []col{{"note", Categorical, []string{"a, b", "c"}}},
		},
		{
			name: "delimiter inside quotes does not count",
			in:   "\"a;b\",c\n\"1;2\",3\n",
			want: []col{{"a;b", Categorical, []string{"1;2"}}, {"c", Numeric, []string{"3"}}},
		},
		{
			name: "explicit delimiter",
			in:   "a|b\n1|x,y\n",
			opts: Options{Delimiter: '|'},
			want: []col{{"a", Numeric, []string{"1"}}, {"b", Categorical, []string{"x,y"}}},
		},
		{
			name: "missing markers in any case, quoted or not, with spaces",
			in:   "x\n1.5\n\nNA\nna\nN/A\nn/a\nnull\nNULL\nNone\nNaN\nnan\n\"\"\n\" NA \"\n2.5\n",
			want: []col{{"x", Numeric, []string{"1.5", na, na, na, na, na, na, na, na, na, na, na, "2.5"}}},
		},
		{
			name: "infinities are kept",
			in:   "x\ninf\n+inf\n-inf\nInfinity\n-Infinity\nINF\n3\n",
			want: []col{{"x", Numeric, []string{"+Inf", "+Inf", "-Inf", "+Inf", "-Inf", "+Inf", "3"}}},
		},
		{
			name: "booleans in words",
			in:   "a,b,c\ntrue,yes,t\nFALSE,No,F\nTrue,YES,t\n",
			want: []col{{"a", Boolean, []string{"1", "0", "1"}}, {"b", Boolean, []string{"1", "0", "1"}}, {"c", Boolean, []string{"1", "0", "1"}}},
		},
		{
			name: "0/1 numbers with both values are boolean, also mixed with words; a constant 1 is numeric",
			in:   "a,b,c\n0,1,yes\n1,1,0\n1.0,,1\n",
			want: []col{{"a", Boolean, []string{"0", "1", "1"}}, {"b", Numeric, []string{"1", "1", na}}, {"c", Boolean, []string{"1", "0", "1"}}},
		},
		{
			name: "booleans, numbers and dates in either order",
			in:   "a,b,c,d,e,f,g,h\nyes,5,0,0,NA,2020-01-01,5,2020-01-01\n5,yes,1,2,,5,2020-01-01,true\nno,no,yes,yes,2020-01-02,2020-01-02,5,false\n",
			want: []col{
				{"a", Categorical, []string{"yes", "5", "no"}},
				{"b", Categorical, []string{"5", "yes", "no"}},
				{"c", Boolean, []string{"0", "1", "1"}},
				{"d", Categorical, []string{"0", "2", "yes"}},
				{"e", Datetime, []string{na, na, "2020-01-02T00:00:00Z"}},
				{"f", Categorical, []string{"2020-01-01", "5", "2020-01-02"}},
				{"g", Categorical, []string{"5", "2020-01-01", "5"}},
				{"h", Categorical, []string{"2020-01-01", "true", "false"}},
			},
		},
		{
			name: "0/1 with a 2 is numeric",
			in:   "a\n0\n1\n2\n",
			want: []col{{"a", Numeric, []string{"0", "1", "2"}}},
		},
		{
			name: "datetimes",
			in: "t\n2011-01-01\n2011-01-01T10:00:00Z\n2011-01-01 10:00:00\n2011-01-01T10:00:00.25+02:00\n" +
				"2011-01-01T10:00-0130\n2011-01-01t10:00:00.123456789z\n2024-02-29T23:59:59+05\n1969-12-31T23:59:59Z\n",
			want: []col{{"t", Datetime, []string{"2011-01-01T00:00:00Z", "2011-01-01T10:00:00Z", "2011-01-01T10:00:00Z",
				"2011-01-01T08:00:00.25Z", "2011-01-01T11:30:00Z", "2011-01-01T10:00:00.123457Z", "2024-02-29T18:59:59Z",
				"1969-12-31T23:59:59Z"}}},
		},
		{
			name: "an impossible date makes the column categorical",
			in:   "t\n2011-01-01\n2011-02-30\n",
			want: []col{{"t", Categorical, []string{"2011-01-01", "2011-02-30"}}},
		},
		{
			name: "free text",
			in: "review\nthe parcel arrived late and damaged\nwould not buy again from this shop\n" +
				"great value for the money\n",
			want: []col{{"review", Text, []string{"the parcel arrived late and damaged", "would not buy again from this shop", "great value for the money"}}},
		},
		{
			name: "distinct short words stay categorical",
			in:   "user\nu1\nu2\nu3\n",
			want: []col{{"user", Categorical, []string{"u1", "u2", "u3"}}},
		},
		{
			name: "repeated phrases stay categorical",
			in:   "plan\nfree tier\nfree tier\npaid tier\nfree tier\n",
			want: []col{{"plan", Categorical, []string{"free tier", "free tier", "paid tier", "free tier"}}},
		},
		{
			name: "a column with nothing in it is unknown",
			in:   "a,b\n1,\n2,NA\n",
			want: []col{{"a", Numeric, []string{"1", "2"}}, {"b", Unknown, []string{na, na}}},
		},
		{
			name: "a late non-number turns the column categorical",
			in:   "x\n1\n2\n3\n4\n5\nn/a\nsix\n",
			want: []col{{"x", Categorical, []string{"1", "2", "3", "4", "5", na, "six"}}},
		},
		{
			name: "blank lines are skipped, the last record needs no newline",
			in:   "\na,b\n\n1,2\n\r\n3,4",
			want: []col{{"a", Numeric, []string{"1", "3"}}, {"b", Numeric, []string{"2", "4"}}},
		},
		{
			name: "header only",
			in:   "a,b\n",
			want: []col{{"a", Unknown, []string{}}, {"b", Unknown, []string{}}},
		},
		{
			name: "override 0/1 to categorical",
			in:   "flag,n\n0,1\n1,0\n",
			opts: Options{Types: map[string]Type{"flag": Categorical, "n": Numeric}},
			want: []col{{"flag", Categorical, []string{"0", "1"}}, {"n", Numeric, []string{"1", "0"}}},
		},
		{
			name: "override keeps the text of numbers",
			in:   "zip\n02139\n10001\n",
			opts: Options{Types: map[string]Type{"zip": Text}},
			want: []col{{"zip", Text, []string{"02139", "10001"}}},
		},
		{
			name: "override to boolean and datetime",
			in:   "b,t\nyes,2020-01-01\n,\n",
			opts: Options{Types: map[string]Type{"b": Boolean, "t": Datetime}},
			want: []col{{"b", Boolean, []string{"1", na}}, {"t", Datetime, []string{"2020-01-01T00:00:00Z", na}}},
		},
		{
			name: "Unknown in Types means infer",
			in:   "a\n2\n",
			opts: Options{Types: map[string]Type{"a": Unknown}},
			want: []col{{"a", Numeric, []string{"2"}}},
		},
		{
			name: "keep some columns, in the order asked",
			in:   "a,b,c\n1,x,3\n4,y,6\n",
			opts: Options{Columns: []string{"c", "a"}},
			want: []col{{"c", Numeric, []string{"3", "6"}}, {"a", Numeric, []string{"1", "4"}}},
		},
		{
			name: "full float64 precision",
			in:   "x\n0.1\n9007199254740993\n1.7976931348623157e308\n4.9e-324\n123456789012345678901234567890\n-0\n1e400\n",
			want: []col{{"x", Numeric, []string{"0.1", "9.007199254740992e+15", "1.7976931348623157e+308", "5e-324", "1.2345678901234568e+29", "-0", "+Inf"}}},
		},
		{
			name: "hexadecimal and digit separators are not numbers",
			in:   "x,y\n0x1p3,1_000\n",
			want: []col{{"x", Categorical, []string{"0x1p3"}}, {"y", Categorical, []string{"1_000"}}},
		},
		{
			name: "sniffed when the name says nothing",
			file: "upload",
			in:   "a\n1\n",
			want: []col{{"a", Numeric, []string{"1"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = "in.csv"
			}
			got, err := readEveryWay(t, file, tt.in, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkTable(t, got, tt.want)
		})
	}
}

func TestReadCSVSpaces(t *testing.T) {
	got, err := readEveryWay(t, "in.csv", "x,y,z\n 1 ,\t2.5,  yes\n3,4 ,no\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkTable(t, got, []col{{"x", Numeric, []string{"1", "3"}}, {"y", Numeric, []string{"2.5", "4"}}, {"z", Boolean, []string{"1", "0"}}})
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		opts   Options
		line   int
		column string
		msg    string
	}{
		{"empty file", "", Options{}, 0, "", "empty file"},
		{"only a byte order mark and blank lines", "\uFEFF\n\r\n  \n", Options{}, 0, "", "empty file"},
		{"too many fields", "a,b\n1,2\n3,4,5\n", Options{}, 3, "", "expected 2 fields as in the header, found 3"},
		{"too few fields", "a,b\n1,2\n\n3\n", Options{}, 4, "", "expected 2 fields as in the header, found 1"},
		{"ragged after a multi-line field", "a,b\n\"x\ny\",1\n3\n", Options{}, 4, "", "found 1"},
		{"invalid UTF-8 in a value", "a,b\n1,ok\n2,caf\xe9\n", Options{}, 3, "b", "invalid UTF-8 (byte 0xe9)"},
		{"invalid UTF-8 in a quoted value", "a,b\n1,\"x,\ny\xff\"\n", Options{}, 3, "b", "invalid UTF-8 (byte 0xff)"},
		{"invalid UTF-8 in the header", "a,b\xc3\n1,2\n", Options{}, 1, "", "invalid UTF-8 (byte 0xc3) in header field 2"},
		{"invalid UTF-8 in a column not kept", "a,b\n1,\xff\n", Options{Columns: []string{"a"}}, 2, "b", "invalid UTF-8"},
		{"duplicate header", "a,b,a\n1,2,3\n", Options{}, 1, "a", "duplicate column name (header fields 1 and 3)"},
		{"empty header name", "a,,c\n1,2,3\n", Options{}, 1, "", "header field 2 has no name"},
		{"unterminated quote", "a,b\n1,2\n3,\"abc\n4,5\n", Options{}, 3, "b", "quoted field opened on line 3 is never closed"},
		{"text after a closing quote", "a,b\n1,\"x\"y\n", Options{}, 2, "b", `unexpected 'y' after the closing quote`},
		{"bare quote", "a,b\n1,5\"11\n", Options{}, 2, "b", `bare " in an unquoted field`},
		{"forced numeric", "id,amount\n1,2\n2,abc\n", Options{Types: map[string]Type{"amount": Numeric}}, 3, "amount", `"abc" is not a number`},
		{"forced numeric in a multi-line record", "a,b\n\"x\ny\",zz\n", Options{Types: map[string]Type{"b": Numeric}}, 3, "b", `"zz" is not a number`},
		{"forced boolean", "a\nyes\nmaybe\n", Options{Types: map[string]Type{"a": Boolean}}, 3, "a", `"maybe" is not a boolean`},
		{"forced datetime", "a\n2020-01-01\n2020-13-01\n", Options{Types: map[string]Type{"a": Datetime}}, 3, "a", "not an ISO-8601 date"},
		{"column asked for twice", "a,b\n1,2\n", Options{Columns: []string{"a", "a"}}, 0, "a", "twice"},
		{"type for a column not kept", "a,b\n1,2\n", Options{Columns: []string{"a"}, Types: map[string]Type{"b": Numeric}}, 0, "b", "not in Options.Columns"},
		{"invalid type", "a\n1\n", Options{Types: map[string]Type{"a": Type(42)}}, 0, "a", "invalid type(42)"},
		{"invalid delimiter", "a\n1\n", Options{Delimiter: '"'}, 0, "", "delimiter"},
		{"invalid format", "a\n1\n", Options{Format: 9}, 0, "", "invalid format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readEveryWay(t, "in.csv", tt.in, tt.opts)
			wantError(t, err, tt.line, tt.column, tt.msg)
			if !strings.HasPrefix(err.Error(), "in.csv") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := readBytes([]byte("id,amount\n1,2\n2,x\n"), "cur.csv", Options{Types: map[string]Type{"amount": Numeric}}, 0)
	if got, want := err.Error(), `cur.csv line 3, column "amount": "x" is not a number`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestDetectDelimiter(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"a,b,c\n1,2,3\n", ','},
		{"a;b;c\n1,5;2;3\n", ';'},
		{"a\tb\n1;2\t3\n", '\t'},
		{"a,b;c\n1,2;3\n", ','},                 // a tie goes to the comma
		{"a;b,c;d\n1;2;3;4\n", ';'},             // most frequent
		{"a,b;c\n1;2\n3;4\n", ';'},              // the only consistent one
		{"\"x,y\";z\n\"1,2\";3\n", ';'},         // quotes hide commas
		{"single\n1\n", ','},                    // nothing to go by
		{"a;b\n\"multi\nline;\";2\n1;2\n", ';'}, // a quoted newline does not end a record
	}
	for _, tt := range tests {
		if got := detectDelimiter([]byte(tt.in)); got != tt.want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitCSV(t *testing.T) {
	// A quoted field full of newlines must not be cut, wherever the targets fall.
	data := "h\n" + strings.Repeat("\"a\nb\nc\nd\ne\"\n", 50)
	for n := 1; n <= 20; n++ {
		chunks := splitCSV([]byte(data), 2, 2, n)
		pos, line := 2, 2
		for _, ch := range chunks {
			if ch.start != pos || ch.line != line {
				t.Fatalf("n=%d: chunk at %d line %d, want %d line %d", n, ch.start, ch.line, pos, line)
			}
			if ch.end < len(data) && strings.Count(data[ch.start:ch.end], "\"")%2 != 0 {
				t.Fatalf("n=%d: chunk ends inside quotes", n)
			}
			line += strings.Count(data[ch.start:ch.end], "\n")
			pos = ch.end
		}
		if pos != len(data) {
			t.Fatalf("n=%d: chunks end at %d of %d", n, pos, len(data))
		}
	}
}
