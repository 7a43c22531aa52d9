package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// bikeCSV writes n hourly rows in the shape of the bike-sharing data: temp
// (numeric, raised by shift), weathersit (1 to 3, or its words when words is
// set), workingday (0 or 1) and cnt, with the columns in cols.
func bikeCSV(n int, shift float64, words bool, cols ...string) string {
	names := map[int]string{1: "clear", 2: "mist", 3: "light_rain"}
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	for i := range n {
		cells := map[string]string{
			"temp":       fmt.Sprintf("%.2f", 0.2+0.3*float64(i%17)/17+shift),
			"weathersit": fmt.Sprint(1 + i%7%3),
			"workingday": fmt.Sprint(i / 24 % 7 / 5),
			"cnt":        fmt.Sprint(10 + i%23*7),
		}
		if words {
			cells["weathersit"] = names[1+i%7%3]
		}
		row := make([]string, len(cols))
		for k, c := range cols {
			row[k] = cells[c]
		}
		b.WriteString(strings.Join(row, ",") + "\n")
	}
	return b.String()
}

// Missing and retyped columns do not stop warden drift: they are
// data-quality findings, in the text and the JSON report alike, the other
// columns are still tested, and the exit status says whether they drifted.
func TestDriftSchemaChanges(t *testing.T) {
	all := []string{"temp", "weathersit", "workingday", "cnt"}
	dir := t.TempDir()
	ref := writeFile(t, dir, "ref.csv", bikeCSV(400, 0, false, all...))
	tests := []struct {
		name     string
		current  string
		code     int
		findings []string // "column: detail", in the JSON report and the text
	}{
		{
			name:     "temp dropped",
			current:  bikeCSV(400, 0, false, "weathersit", "workingday", "cnt"),
			code:     0,
			findings: []string{"temp: column is missing from the current data"},
		},
		{
			name:     "weathersit as words",
			current:  bikeCSV(400, 0, true, all...),
			code:     0,
			findings: []string{`weathersit: type changed from numeric in the reference to categorical (line 2: "clear" is not a number)`},
		},
		{
			name:    "both, a new column, and workingday drifted",
			current: strings.ReplaceAll(bikeCSV(400, 0, true, "weathersit", "workingday", "cnt", "hum"), ",0,", ",1,"),
			code:    1,
			findings: []string{
				"temp: column is missing from the current data",
				`weathersit: type changed from numeric in the reference to categorical (line 2: "clear" is not a number)`,
				"hum: new column, not in the reference",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur := writeFile(t, t.TempDir(), "cur.csv", tc.current)
			js := warden(t, "drift", "--reference", ref, "--current", cur, "--format", "json")
			if js.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", js.code, tc.code, js.stdout, js.stderr)
			}
			var rep struct {
				Findings []struct{ Column, Detail string } `json:"findings"`
			}
			if err := json.Unmarshal([]byte(js.stdout), &rep); err != nil {
				t.Fatalf("JSON report: %v\n%s", err, js.stdout)
			}
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.Column+": "+f.Detail)
			}
			text := warden(t, "drift", "--reference", ref, "--current", cur)
			if text.code != tc.code {
				t.Errorf("text: exit %d, want %d: %s", text.code, tc.code, text.stderr)
			}
			for _, want := range tc.findings {
				if !slices.Contains(got, want) {
					t.Errorf("JSON findings lack %q: %q", want, got)
				}
				if !strings.Contains(text.stdout, "\n"+want+"\n") {
					t.Errorf("text report lacks %q:\n%s", want, text.stdout)
				}
			}
		})
	}
}

// --type binds: a column it names must be in the file, and a value that is
// not of its type is an error with its place. Messages use the flag's words.
func TestDriftTypeFlag(t *testing.T) {
	dir := t.TempDir()
	ref := writeFile(t, dir, "ref.csv", bikeCSV(100, 0, false, "temp", "weathersit", "cnt"))
	noTemp := writeFile(t, dir, "cur.csv", bikeCSV(100, 0, false, "weathersit", "cnt"))
	words := writeFile(t, dir, "words.csv", bikeCSV(100, 0, true, "temp", "weathersit", "cnt"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a column the current file lacks", []string{"--reference", ref, "--current", noTemp, "--type", "temp=numeric"},
			`warden: --type temp=numeric: ` + noTemp + ` has no column "temp" (it has "weathersit", "cnt")`},
		{"a column the reference lacks", []string{"--reference", noTemp, "--current", ref, "--type", "temp=numeric"},
			`warden: --type temp=numeric: ` + noTemp + ` has no column "temp" (it has "weathersit", "cnt")`},
		{"a value not of the forced type", []string{"--reference", ref, "--current", words, "--type", "weathersit=numeric"},
			`warden: ` + words + ` line 2, column "weathersit": "clear" is not a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := warden(t, append([]string{"drift"}, tc.args...)...)
			if r.code != 2 || strings.TrimSpace(r.stderr) != tc.want {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and:\n%s", r.code, r.stderr, tc.want)
			}
		})
	}
}
