package dataset

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// A column that Options.Columns or Options.Types names and the input lacks
// is a *MissingColumnError that lists the input's columns.
func TestMissingColumn(t *testing.T) {
	many := make([]string, 12)
	for i := range many {
		many[i] = fmt.Sprintf("c%d", i)
	}
	tests := []struct {
		name, file, in string
		opts           Options
		column, option string
		have           []string
		msg            string
	}{
		{"csv column asked for", "in.csv", "a,b\n1,2\n", Options{Columns: []string{"a", "c"}}, "c", "Columns", []string{"a", "b"},
			`in.csv, column "c": no such column (the input has "a", "b")`},
		{"csv type for a column the file lacks", "in.csv", "a,b\n1,2\n", Options{Types: map[string]Type{"z": Numeric}}, "z", "Types", []string{"a", "b"},
			`in.csv, column "z": Options.Types names a column the input lacks (the input has "a", "b")`},
		{"jsonl column asked for", "in.jsonl", `{"a":1}`, Options{Columns: []string{"b"}}, "b", "Columns", []string{"a"},
			`in.jsonl, column "b": no such column (the input has "a")`},
		{"jsonl type for an absent key", "in.jsonl", `{"a":1}`, Options{Types: map[string]Type{"b": Text}}, "b", "Types", []string{"a"},
			`in.jsonl, column "b": Options.Types names a column the input lacks (the input has "a")`},
		{"many columns", "in.csv", strings.Join(many, ",") + "\n" + strings.Repeat("1,", 11) + "1\n", Options{Types: map[string]Type{"x": Numeric}}, "x", "Types", many,
			`(the input has "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9" and 2 more)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readEveryWay(t, tt.file, tt.in, tt.opts)
			var e *MissingColumnError
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want *MissingColumnError", err, err)
			}
			if e.File != tt.file || e.Column != tt.column || e.Option != tt.option || !slices.Equal(e.Have, tt.have) {
				t.Errorf("got %+v", e)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

// Hinted types bind nothing: a hinted column the input lacks is absent, one
// whose values all parse as the hint gets it, and one whose values do not
// gets the type they infer, with the first value that does not parse.
func TestHints(t *testing.T) {
	tests := []struct {
		name, file, in string
		opts           Options
		want           []col
		mismatch       map[string]string // column -> Mismatch.Error()
	}{
		{
			name: "absent column", file: "cur.csv", in: "a\n1\n2\n",
			opts: Options{Hints: map[string]Type{"a": Numeric, "temp": Numeric}},
			want: []col{{"a", Numeric, []string{"1", "2"}}},
		},
		{
			name: "numbers keep a numeric hint though they are all 0 or 1", file: "cur.csv", in: "a\n0\n1\n",
			opts: Options{Hints: map[string]Type{"a": Numeric}},
			want: []col{{"a", Numeric, []string{"0", "1"}}},
		},
		{
			name: "words under a numeric hint", file: "cur.csv", in: "w,n\nclear,1\nmist,2\nclear,3\n",
			opts:     Options{Hints: map[string]Type{"w": Numeric, "n": Numeric}},
			want:     []col{{"w", Categorical, []string{"clear", "mist", "clear"}}, {"n", Numeric, []string{"1", "2", "3"}}},
			mismatch: map[string]string{"w": `cur.csv line 2, column "w": "clear" is not a number`},
		},
		{
			name: "the first miss after numbers", file: "cur.csv", in: "w\n1\n2\n\n3\nclear\nmist\n",
			opts:     Options{Hints: map[string]Type{"w": Numeric}},
			want:     []col{{"w", Categorical, []string{"1", "2", "3", "clear", "mist"}}},
			mismatch: map[string]string{"w": `cur.csv line 6, column "w": "clear" is not a number`},
		},
		{
			name: "boolean words under a numeric hint", file: "cur.csv", in: "a\n1\nyes\nno\n",
			opts:     Options{Hints: map[string]Type{"a": Numeric}},
			want:     []col{{"a", Boolean, []string{"1", "1", "0"}}},
			mismatch: map[string]string{"a": `cur.csv line 3, column "a": "yes" is not a number`},
		},
		{
			name: "booleans as words and numbers", file: "cur.csv", in: "a\n1\nyes\nf\n0\n",
			opts: Options{Hints: map[string]Type{"a": Boolean}},
			want: []col{{"a", Boolean, []string{"1", "1", "0", "0"}}},
		},
		{
			name: "a constant 1 keeps a boolean hint", file: "cur.csv", in: "a\n1\n1\n",
			opts: Options{Hints: map[string]Type{"a": Boolean}},
			want: []col{{"a", Boolean, []string{"1", "1"}}},
		},
		{
			name: "counts under a boolean hint", file: "cur.csv", in: "a\n0\n1\n3\n",
			opts:     Options{Hints: map[string]Type{"a": Boolean}},
			want:     []col{{"a", Numeric, []string{"0", "1", "3"}}},
			mismatch: map[string]string{"a": `cur.csv line 4, column "a": "3" is not a boolean (want true/false, yes/no, t/f or 1/0)`},
		},
		{
			name: "dates", file: "cur.csv", in: "d\n2011-01-01\n\n2011-07-01T10:00:00Z\n",
			opts: Options{Hints: map[string]Type{"d": Datetime}},
			want: []col{{"d", Datetime, []string{"2011-01-01T00:00:00Z", "2011-07-01T10:00:00Z"}}},
		},
		{
			name: "numbers under a datetime hint", file: "cur.csv", in: "d\n20110101\n20110102\n",
			opts:     Options{Hints: map[string]Type{"d": Datetime}},
			want:     []col{{"d", Numeric, []string{"2.0110101e+07", "2.0110102e+07"}}},
			mismatch: map[string]string{"d": `cur.csv line 2, column "d": "20110101" is not an ISO-8601 date or date-time`},
		},
		{
			name: "no values keep the hint", file: "cur.csv", in: "a,b\n,x\nNA,y\n",
			opts: Options{Hints: map[string]Type{"a": Numeric}},
			want: []col{{"a", Numeric, []string{"NA", "NA"}}, {"b", Categorical, []string{"x", "y"}}},
		},
		{
			name: "a categorical hint keeps numbers as written", file: "cur.csv", in: "zip\n02134\n1.50\n",
			opts: Options{Hints: map[string]Type{"zip": Categorical}},
			want: []col{{"zip", Categorical, []string{"02134", "1.50"}}},
		},
		{
			name: "a forced type wins over a hint", file: "cur.csv", in: "a\n0\n1\n",
			opts: Options{Types: map[string]Type{"a": Boolean}, Hints: map[string]Type{"a": Numeric}},
			want: []col{{"a", Boolean, []string{"0", "1"}}},
		},
		{
			name: "a hint for a column not kept", file: "cur.csv", in: "a,b\n1,2\n",
			opts: Options{Columns: []string{"a"}, Hints: map[string]Type{"b": Numeric, "a": Numeric}},
			want: []col{{"a", Numeric, []string{"1"}}},
		},
		{
			name: "json lines", file: "cur.jsonl", in: `{"w":1,"n":1}` + "\n" + `{"w":"clear","n":2}` + "\n" + `{"n":3}`,
			opts:     Options{Hints: map[string]Type{"w": Numeric, "n": Numeric, "gone": Boolean}},
			want:     []col{{"w", Categorical, []string{"1", "clear", "NA"}}, {"n", Numeric, []string{"1", "2", "3"}}},
			mismatch: map[string]string{"w": `cur.jsonl line 2, column "w": "clear" is not a number`},
		},
		{
			name: "json lines, a key seen late", file: "cur.jsonl", in: `{"n":1}` + "\n" + `{"n":2,"b":true}` + "\n" + `{"n":3,"b":2}`,
			opts:     Options{Hints: map[string]Type{"b": Boolean}},
			want:     []col{{"n", Numeric, []string{"1", "2", "3"}}, {"b", Categorical, []string{"NA", "true", "2"}}},
			mismatch: map[string]string{"b": `cur.jsonl line 3, column "b": "2" is not a boolean (want true/false, yes/no, t/f or 1/0)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readEveryWay(t, tt.file, tt.in, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkTable(t, got, tt.want)
			for _, c := range got.Columns {
				want, gotMsg := tt.mismatch[c.Name], ""
				if c.Mismatch != nil {
					gotMsg = c.Mismatch.Error()
				}
				if gotMsg != want {
					t.Errorf("column %q: Mismatch %q, want %q", c.Name, gotMsg, want)
				}
			}
		})
	}
}

// The first value that misses the hint is found wherever the input is cut,
// also when a later run of records misses it before an earlier one does.
func TestHintMismatchAcrossChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("a\n")
	for i := range 400 {
		switch i {
		case 150:
			b.WriteString("first\n")
		case 350:
			b.WriteString("second\n")
		default:
			fmt.Fprintf(&b, "%d\n", i)
		}
	}
	opts := Options{Hints: map[string]Type{"a": Numeric}}
	for _, n := range []int{1, 2, 3, 5, 8} {
		got, err := readBytes([]byte(b.String()), "cur.csv", opts, n)
		if err != nil {
			t.Fatal(err)
		}
		c := got.Columns[0]
		if c.Type != Categorical || c.Mismatch == nil || c.Mismatch.Line != 152 || !strings.Contains(c.Mismatch.Msg, `"first"`) {
			t.Errorf("%d chunks: type %v, mismatch %v", n, c.Type, c.Mismatch)
		}
	}
}

func TestHintInvalidType(t *testing.T) {
	_, err := readBytes([]byte("a\n1\n"), "in.csv", Options{Hints: map[string]Type{"a": Type(42)}}, 0)
	wantError(t, err, 0, "a", "Options.Hints: invalid type(42)")
}
