package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/outlier"
)

// outlierFixture simulates reference and production traffic with the binary
// and appends three crafted inputs to production: an extreme amount, a
// distance far from home, and an unseen merchant category. It returns the
// file names and the row numbers of the crafted inputs.
func outlierFixture(t *testing.T, rows int) (train, score string, crafted []int) {
	t.Helper()
	dir := t.TempDir()
	train, score = filepath.Join(dir, "reference.csv"), filepath.Join(dir, "production.csv")
	r := warden(t, "simulate", "--seed", "11", "--reference-rows", "4000", "--rows", strconv.Itoa(rows),
		"--reference", train, "--current", score)
	if r.code != 0 {
		t.Fatalf("simulate: exit %d: %s", r.code, r.stderr)
	}
	f, err := os.OpenFile(score, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// transaction_amount,merchant_category,hour,distance_from_home_km,card_present,account_age_days,num_tx_last_24h,score,label
	for _, line := range []string{
		"250000,electronics,3,2.0,false,30,1,0.9,1",
		"40.5,grocery,14,9000,true,2000,2,0.1,0",
		"40.5,moon_base,14,3.0,true,2000,2,0.1,0",
	} {
		if _, err := fmt.Fprintln(f, line); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return train, score, []int{rows, rows + 1, rows + 2}
}

// jsonlLine is one line of `warden outliers` output, decoded loosely so that
// the test sees exactly which keys are present.
type jsonlLine map[string]json.RawMessage

func parseJSONL(t *testing.T, out string) []jsonlLine {
	t.Helper()
	var lines []jsonlLine
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l jsonlLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", len(lines)+1, err, sc.Text())
		}
		lines = append(lines, l)
	}
	return lines
}

func (l jsonlLine) get(t *testing.T, key string, dst any) {
	t.Helper()
	if err := json.Unmarshal(l[key], dst); err != nil {
		t.Fatalf("key %q: %v (%s)", key, err, l[key])
	}
}

var anomaliesLine = regexp.MustCompile(`Anomalies Detected: ([\d,]+) of ([\d,]+) inputs \(\d+\.\d\d%\)`)

// summaryCounts reads the summary line's anomalies and inputs.
func summaryCounts(t *testing.T, text string) (anomalies, inputs int) {
	t.Helper()
	m := anomaliesLine.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no summary line in:\n%s", text)
	}
	a, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	n, _ := strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
	return a, n
}

// The JSONL contract: one object per SCORE row, in order, with the
// documented keys; crafted outliers flagged for the right reason; the
// summary on stderr and agreeing with the lines; exit 1.
func TestOutliersJSONL(t *testing.T) {
	// More rows than one round of chunks, ending inside a chunk.
	const rows = 2*chunkRows + 1000
	train, score, crafted := outlierFixture(t, rows)
	r := warden(t, "outliers", "--train", train, "--score", score, "--exclude-columns", "score,label")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (anomalies)\n%s", r.code, r.stderr)
	}
	lines := parseJSONL(t, r.stdout)
	if len(lines) != rows+len(crafted) {
		t.Fatalf("%d lines for %d rows", len(lines), rows+len(crafted))
	}
	always := []string{"row", "score", "anomaly", "reasons", "scores"}
	flaggedOnly := []string{"severity", "isolation", "top"}
	anomalies := 0
	for i, l := range lines {
		var row int
		var s float64
		var anomaly bool
		l.get(t, "row", &row)
		l.get(t, "score", &s)
		l.get(t, "anomaly", &anomaly)
		if row != i {
			t.Fatalf("line %d has row %d", i+1, row)
		}
		if !(s >= 0 && s <= 1) {
			t.Errorf("row %d: score %v outside [0, 1]", i, s)
		}
		for _, k := range always {
			if _, ok := l[k]; !ok {
				t.Fatalf("row %d lacks %q", i, k)
			}
		}
		for k := range l {
			if !slices.Contains(always, k) && !slices.Contains(flaggedOnly, k) {
				t.Errorf("row %d has undocumented key %q", i, k)
			}
		}
		var scores map[string]float64
		l.get(t, "scores", &scores)
		for _, name := range []string{"isolation", "mahalanobis", "knn", "range", "category"} {
			if _, ok := scores[name]; !ok {
				t.Fatalf("row %d: scores lacks %q: %s", i, name, l["scores"])
			}
		}
		_, hasSeverity := l["severity"]
		_, hasIsolation := l["isolation"]
		_, hasTop := l["top"]
		if hasSeverity != anomaly || hasIsolation != anomaly || (hasTop && !anomaly) {
			t.Errorf("row %d: anomaly %v but severity %v, isolation %v, top %v", i, anomaly, hasSeverity, hasIsolation, hasTop)
		}
		if anomaly {
			anomalies++
			var sev alert.Severity
			l.get(t, "severity", &sev)
			if sev == alert.None {
				t.Errorf("row %d flagged with severity none", i)
			}
			if s <= 1-outlier.DefaultOptions().FPR {
				t.Errorf("row %d flagged with score %v, not above 1 - FPR", i, s)
			}
		}
	}
	wantReason := map[int]struct{ feature, kind string }{
		crafted[0]: {"transaction_amount", outlier.ReasonAboveRange},
		crafted[1]: {"distance_from_home_km", outlier.ReasonAboveRange},
		crafted[2]: {"merchant_category", outlier.ReasonUnseenCategory},
	}
	for row, want := range wantReason {
		var anomaly bool
		var reasons []outlier.Reason
		lines[row].get(t, "anomaly", &anomaly)
		lines[row].get(t, "reasons", &reasons)
		if !anomaly {
			t.Errorf("crafted row %d not flagged", row)
		}
		if !slices.ContainsFunc(reasons, func(r outlier.Reason) bool { return r.Feature == want.feature && r.Kind == want.kind }) {
			t.Errorf("crafted row %d: reasons %+v lack %s %s", row, reasons, want.feature, want.kind)
		}
	}
	a, n := summaryCounts(t, r.stderr)
	if a != anomalies || n != len(lines) {
		t.Errorf("summary says %d of %d, lines say %d of %d", a, n, anomalies, len(lines))
	}
	if strings.Contains(r.stdout, "Anomalies Detected") {
		t.Errorf("summary written to stdout with jsonl")
	}
	if rate := float64(anomalies) / float64(len(lines)); rate > 0.02 {
		t.Errorf("%.2f%% of simulated traffic flagged at FPR 0.5%%", 100*rate)
	}

	// Same flags, same bytes.
	if again := warden(t, "outliers", "--train", train, "--score", score, "--exclude-columns", "score,label"); again.stdout != r.stdout {
		t.Errorf("second run differs")
	}
}

// The command's verdicts, scored in parallel chunks, are the library's
// verdicts for the same files and options, row for row.
func TestOutliersMatchesLibrary(t *testing.T) {
	train, score, _ := outlierFixture(t, chunkRows+500)
	r := warden(t, "outliers", "--train", train, "--score", score, "--exclude-columns", "label,score", "--seed", "5", "--fpr", "0.01")
	if r.code > 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	ref, err := dataset.ReadFile(train, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := outlier.Fit(ref, outlier.Options{Exclude: []string{"label", "score"}, Seed: 5, FPR: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := dataset.ReadFile(score, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := d.ScoreTable(tab, nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := parseJSONL(t, r.stdout)
	if len(lines) != len(want) {
		t.Fatalf("%d lines, library scored %d rows", len(lines), len(want))
	}
	for i, l := range lines {
		var got struct {
			Score     float64            `json:"score"`
			Anomaly   bool               `json:"anomaly"`
			Isolation float64            `json:"isolation"`
			Scores    map[string]float64 `json:"scores"`
			Reasons   []outlier.Reason   `json:"reasons"`
		}
		raw, _ := json.Marshal(l)
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		w := want[i]
		if !w.Anomaly {
			w.Isolation = 0 // only written for flagged rows
		}
		if got.Score != w.Score || got.Anomaly != w.Anomaly || got.Isolation != w.Isolation ||
			!reflect.DeepEqual(got.Scores, w.Scores) || len(got.Reasons) != len(w.Reasons) {
			t.Fatalf("row %d: command %+v, library %+v", i, got, w)
		}
	}
}

// --format text lists flagged rows, most severe first, and the summary on
// stdout; --save and --detector score exactly as fitting in place does.
func TestOutliersTextAndSavedDetector(t *testing.T) {
	train, score, crafted := outlierFixture(t, 2000)
	args := []string{"--score", score}
	fit := warden(t, append([]string{"outliers", "--train", train, "--exclude-columns", "score,label"}, args...)...)

	det := filepath.Join(t.TempDir(), "fraud.wdet")
	if r := warden(t, "outliers", "--train", train, "--exclude-columns", "score,label", "--save", det); r.code != 0 || r.stdout != "" {
		t.Fatalf("fit-only --save: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	saved := warden(t, append([]string{"outliers", "--detector", det}, args...)...)
	if saved.code != fit.code || saved.stdout != fit.stdout {
		t.Errorf("saved detector: exit %d, %d bytes; fitted in place: exit %d, %d bytes", saved.code, len(saved.stdout), fit.code, len(fit.stdout))
	}

	text := warden(t, "outliers", "--detector", det, "--score", score, "--format", "text")
	if text.code != 1 {
		t.Fatalf("text: exit %d: %s", text.code, text.stderr)
	}
	for _, want := range []string{"OUTLIER DETECTION", fmt.Sprintf("row %d ", crafted[0]), "transaction_amount = 250000 is above the reference range",
		`merchant_category = "moon_base" was never seen`, "most unusual:", "By reason:"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("text lacks %q:\n%s", want, text.stdout)
		}
	}
	if strings.Contains(text.stdout, `{"row"`) || strings.Contains(text.stdout, "━") {
		t.Errorf("text output holds JSON or terminal markers:\n%s", text.stdout)
	}
	a, n := summaryCounts(t, text.stdout)
	if want := strings.Count(fit.stdout, `"anomaly":true`); a != want || n != 2000+len(crafted) {
		t.Errorf("text summary %d of %d, jsonl has %d flagged of %d", a, n, want, 2000+len(crafted))
	}
	// Most severe first: the severity labels appear in order.
	last := alert.Critical
	for _, line := range strings.Split(text.stdout, "\n") {
		label, _, ok := strings.Cut(line, ": row ")
		if !ok {
			continue
		}
		sev, err := alert.ParseSeverity(strings.ToLower(label))
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if sev > last {
			t.Errorf("%s row listed after %s rows", label, last)
		}
		last = sev
	}
}

// Exit 0 when nothing is flagged; training columns that are not checked are
// named on stderr, and SCORE need not have them.
func TestOutliersClean(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,y,when,note,empty,inf\n")
	for i := range 400 {
		fmt.Fprintf(&b, "%d,%d,2026-01-%02dT10:00:00Z,free text that differs in row %d,,inf\n", i%20, (i*7)%13, i%28+1, i)
	}
	train := writeFile(t, dir, "train.csv", b.String())
	score := writeFile(t, dir, "score.csv", "y,x\n6,10\n7,9\n")
	r := warden(t, "outliers", "--train", train, "--score", score)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "not checked: when (datetime), note (text), empty (no values), inf (no finite values)") {
		t.Errorf("stderr does not name the unchecked columns: %s", r.stderr)
	}
	if a, n := summaryCounts(t, r.stderr); a != 0 || n != 2 {
		t.Errorf("summary %d of %d, want 0 of 2", a, n)
	}
}

// Missing cells are imputed and reported, infinities are beyond the range,
// and the output stays valid JSON; non-finite training cells are ignored.
func TestOutliersNonFinite(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for i := range 500 {
		a := strconv.Itoa(i % 50)
		switch i {
		case 7:
			a = "NaN"
		case 8:
			a = "inf"
		case 9:
			a = ""
		}
		fmt.Fprintf(&b, "%s,%d,%s\n", a, (i*13)%31, []string{"red", "green", "blue"}[i%3])
	}
	train := writeFile(t, dir, "train.csv", b.String())
	score := writeFile(t, dir, "score.csv", "a,b,c\nNaN,10,red\nInf,10,red\n-Infinity,10,green\n20,NA,\n")
	r := warden(t, "outliers", "--train", train, "--score", score)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	lines := parseJSONL(t, r.stdout)
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), r.stdout)
	}
	tests := []struct {
		row     int
		anomaly bool
		kinds   []string // reason kind per feature, as "feature:kind"
	}{
		{0, false, []string{"a:missing_feature"}},
		{1, true, []string{"a:above_range"}},
		{2, true, []string{"a:below_range"}},
		{3, false, []string{"b:missing_feature", "c:missing_feature"}},
	}
	for _, tc := range tests {
		var anomaly bool
		var reasons []outlier.Reason
		lines[tc.row].get(t, "anomaly", &anomaly)
		lines[tc.row].get(t, "reasons", &reasons)
		if anomaly != tc.anomaly {
			t.Errorf("row %d: anomaly %v, want %v", tc.row, anomaly, tc.anomaly)
		}
		var kinds []string
		for _, r := range reasons {
			if r.Feature != "" {
				kinds = append(kinds, r.Feature+":"+r.Kind)
			}
		}
		if !reflect.DeepEqual(kinds, tc.kinds) {
			t.Errorf("row %d: feature reasons %v, want %v", tc.row, kinds, tc.kinds)
		}
	}
}

// Bad input exits 2 with a message naming the file and, where there is one,
// the line and column; it never panics and writes nothing to stdout.
func TestOutliersBadInput(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("amount,kind,flag,label\n")
	for i := range 200 {
		fmt.Fprintf(&b, "%d.5,%s,%v,%d\n", i%37, []string{"a", "b"}[i%2], i%3 == 0, i%2)
	}
	train := writeFile(t, dir, "train.csv", b.String())
	good := writeFile(t, dir, "good.csv", "amount,kind,flag,label\n3,a,true,0\n")
	det := filepath.Join(dir, "good.wdet")
	if r := warden(t, "outliers", "--train", train, "--save", det); r.code != 0 {
		t.Fatalf("--save: exit %d: %s", r.code, r.stderr)
	}
	corrupt := writeFile(t, dir, "corrupt.wdet", "not a detector")
	tiny := writeFile(t, dir, "tiny.csv", "amount\n1\n2\n3\n")
	missing := filepath.Join(dir, "nope.csv")

	tests := []struct {
		name  string
		score string // content of score.csv; "" uses good.csv
		args  []string
		want  []string // substrings of stderr
	}{
		{name: "missing score file", args: []string{"--train", train, "--score", missing}, want: []string{"nope.csv"}},
		{name: "missing train file", args: []string{"--train", missing, "--score", good}, want: []string{"nope.csv"}},
		{name: "missing detector file", args: []string{"--detector", missing, "--score", good}, want: []string{"nope.csv"}},
		{name: "corrupt detector", args: []string{"--detector", corrupt, "--score", good}, want: []string{"corrupt.wdet"}},
		{name: "no score", args: []string{"--train", train}, want: []string{"--score"}},
		{name: "no train", args: []string{"--score", good}, want: []string{"--train", "--detector"}},
		{name: "train and detector", args: []string{"--train", train, "--detector", det, "--score", good}, want: []string{"exactly one"}},
		{name: "detector and fpr", args: []string{"--detector", det, "--score", good, "--fpr", "0.01"}, want: []string{"--fpr", "--detector"}},
		{name: "bad format", args: []string{"--train", train, "--score", good, "--format", "json"}, want: []string{"--format", "jsonl or text"}},
		{name: "fpr too high", args: []string{"--train", train, "--score", good, "--fpr", "0.7"}, want: []string{"--fpr 0.7"}},
		{name: "bad contamination", args: []string{"--train", train, "--score", good, "--contamination", "0.5"}, want: []string{"--contamination 0.5"}},
		{name: "unknown flag", args: []string{"--train", train, "--score", good, "--frobnicate"}, want: []string{"frobnicate"}},
		{name: "excluded column absent", args: []string{"--train", train, "--score", good, "--exclude-columns", "zzz"}, want: []string{`"zzz"`, "train.csv"}},
		{name: "bad type override", args: []string{"--train", train, "--score", good, "--type", "amount"}, want: []string{"--type", "COLUMN=TYPE"}},
		{name: "unwritable save", args: []string{"--train", train, "--save", filepath.Join(missing, "x.wdet")}, want: []string{"--save", "x.wdet:", "no such file"}},
		{name: "too few training rows", args: []string{"--train", tiny, "--score", good}, want: []string{"tiny.csv", "rows"}},
		{name: "score lacks a feature", score: "amount,kind,label\n3,a,0\n", want: []string{"score.csv", `"flag"`, "trained on"}},
		{name: "text in numeric column", score: "amount,kind,flag,label\n3,a,true,0\n3,a,true,0\nabc,b,false,1\n", want: []string{"score.csv", "line 4", `"amount"`}},
		{name: "word in boolean column", score: "amount,kind,flag,label\n3,a,maybe,0\n", want: []string{"score.csv", "line 2", `"flag"`}},
		{name: "ragged row", score: "amount,kind,flag,label\n3,a,true,0\n4,b\n", want: []string{"score.csv", "line 3"}},
		{name: "header only", score: "amount,kind,flag,label\n", want: []string{"score.csv", "no data rows"}},
		{name: "empty score file", score: " ", want: []string{"score.csv"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.score != "" {
				args = []string{"--train", train, "--score", writeFile(t, t.TempDir(), "score.csv", tc.score)}
			}
			r := warden(t, append([]string{"outliers"}, args...)...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r.stderr)
				}
			}
			if r.stdout != "" {
				t.Errorf("stdout not empty: %q", r.stdout)
			}
			if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
				t.Errorf("panic: %s", r.stderr)
			}
		})
	}
}

// The hand-written encoder writes what encoding/json would, for every field
// and awkward strings and numbers.
func TestAppendVerdictJSON(t *testing.T) {
	tests := []struct {
		name string
		v    outlier.Verdict
	}{
		{name: "plain", v: outlier.Verdict{Score: 0.25, Scores: map[string]float64{"isolation": 0.5, "range": 0}}},
		{name: "flagged", v: outlier.Verdict{
			Anomaly: true, Score: 0.9999999, Isolation: 0.71, Severity: alert.High,
			Scores:  map[string]float64{"isolation": 1, "mahalanobis": 0.999, "knn": 1e-9, "range": 1, "category": 0},
			Reasons: []outlier.Reason{{Feature: "amount", Kind: outlier.ReasonAboveRange, Value: math.MaxFloat64, Limit: 2624.79, Message: "amount = +Inf is above"}, {Kind: outlier.ReasonKNN, Value: 1e21, Limit: 25.05, Message: "knn"}},
			Top:     []outlier.Contribution{{Feature: "amount", Share: 0.75}, {Feature: "hour", Share: 0.25}},
		}},
		{name: "awkward strings", v: outlier.Verdict{
			Anomaly: true, Score: 1, Severity: alert.Critical, Scores: map[string]float64{"category": 1},
			Reasons: []outlier.Reason{{Feature: "na\"me\\\n\t\x01", Kind: outlier.ReasonUnseenCategory, Category: "café ☕ \u2028 <b>&", Value: -1e-7, Limit: 0.001, Message: "\"q\""}},
			Top:     []outlier.Contribution{{Feature: "ünï", Share: 1}},
		}},
		{name: "top of an unflagged row is left out", v: outlier.Verdict{Score: 0.5, Scores: map[string]float64{"knn": 0.5}, Top: []outlier.Contribution{{Feature: "x", Share: 1}}}},
		{name: "flagged without top", v: outlier.Verdict{Anomaly: true, Score: 0.999, Severity: alert.Low, Scores: map[string]float64{}}},
		{name: "negative zero and tiny", v: outlier.Verdict{Score: math.Copysign(0, -1), Scores: map[string]float64{"knn": 5e-324, "range": 123456789012345680000}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := appendVerdictJSON(nil, 42, &tc.v)
			// What the contract says the line holds, built with encoding/json.
			want := map[string]any{"row": 42, "score": tc.v.Score, "anomaly": tc.v.Anomaly, "scores": tc.v.Scores, "reasons": tc.v.Reasons}
			if tc.v.Reasons == nil {
				want["reasons"] = []outlier.Reason{}
			}
			if tc.v.Anomaly {
				want["severity"], want["isolation"] = tc.v.Severity, tc.v.Isolation
				if len(tc.v.Top) > 0 {
					want["top"] = tc.v.Top
				}
			}
			wantJSON, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, got)
			}
			if err := json.Unmarshal(wantJSON, &w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("got  %s\nwant %s", got, wantJSON)
			}
		})
	}
}

// A reference too small for the false-positive rate is said so, with the
// rate it can calibrate, wherever a detector is fitted or shown; a large
// enough one is not.
func TestSmallReferenceWarning(t *testing.T) {
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.csv"), filepath.Join(dir, "large.csv")
	for path, rows := range map[string]string{small: "800", large: "20000"} {
		if r := warden(t, "simulate", "--seed", "5", "--reference-rows", rows, "--rows", "100", "--reference", path, "--current", filepath.Join(dir, "cur.csv")); r.code != 0 {
			t.Fatalf("simulate: %s", r.stderr)
		}
	}
	const want = "warden: warning: the false-positive rate 0.5% "
	advice := regexp.MustCompile(`raise the false-positive rate to ([0-9.]+), or fit on about 3,200 reference rows or more`)
	r := warden(t, "outliers", "--train", small, "--score", small, "--exclude-columns", "score,label")
	m := advice.FindStringSubmatch(r.stderr)
	if !strings.Contains(r.stderr, want) || m == nil {
		t.Fatalf("outliers on 800 rows: no warning:\n%s", r.stderr)
	}
	if r := warden(t, "outliers", "--train", small, "--score", small, "--exclude-columns", "score,label", "--fpr", m[1]); strings.Contains(r.stderr, "warning") {
		t.Errorf("outliers on 800 rows at the advised rate %s still warns:\n%s", m[1], r.stderr)
	}
	prof := filepath.Join(dir, "small.wprof")
	if r := warden(t, "profile", "build", "--data", small, "--out", prof); r.code != 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("profile build on 800 rows: exit %d, no warning:\n%s", r.code, r.stderr)
	}
	if r := warden(t, "profile", "show", prof); !strings.Contains(r.stdout, "Warning: the false-positive rate 0.5% ") {
		t.Errorf("profile show of a small reference: no warning:\n%s", r.stdout)
	}
	if r := warden(t, "outliers", "--detector", prof, "--score", small); !strings.Contains(r.stderr, want) {
		t.Errorf("outliers scoring with a small reference's profile: no warning:\n%s", r.stderr)
	}
	if r := warden(t, "outliers", "--train", large, "--score", small, "--exclude-columns", "score,label"); strings.Contains(r.stderr, "warning") {
		t.Errorf("outliers on 20,000 rows warns:\n%s", r.stderr)
	}
}
