package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/warden-ml/warden/dataset"
)

// labelledCSV writes n rows of three numeric features, a share of them
// shifted far away and labelled 1.
func labelledCSV(t *testing.T, dir, name string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("a,b,c,label\n")
	for i := range n {
		shift, label := 0.0, 0
		if i%20 == 0 {
			shift, label = 6, 1
		}
		fmt.Fprintf(&b, "%v,%v,%v,%d\n", rng.NormFloat64()+shift, rng.NormFloat64()-shift, rng.NormFloat64()/3, label)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseSeeds(t *testing.T) {
	cases := []struct {
		in   string
		want []uint64
		ok   bool
	}{
		{"1,2,3", []uint64{1, 2, 3}, true},
		{" 7 , 8", []uint64{7, 8}, true},
		{"1,,2", nil, false},
		{"-1", nil, false},
	}
	for _, c := range cases {
		got, err := parseSeeds(c.in)
		if (err == nil) != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("parseSeeds(%q) = %v, %v; want %v (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestRates(t *testing.T) {
	cases := []struct {
		flagged, positive []bool
		tpr, fpr          float64
	}{
		{[]bool{true, false, true, false}, []bool{true, true, false, false}, 0.5, 0.5},
		{[]bool{false, false}, []bool{true, false}, 0, 0},
		{[]bool{true, true}, []bool{false, false}, 0, 1},
	}
	for _, c := range cases {
		if tpr, fpr := rates(c.flagged, c.positive); tpr != c.tpr || fpr != c.fpr {
			t.Errorf("rates(%v, %v) = %v, %v; want %v, %v", c.flagged, c.positive, tpr, fpr, c.tpr, c.fpr)
		}
	}
}

func TestReadBaseline(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, body string
		rows       int
		ok         bool
	}{
		{"good", `{"row": 0, "score": 0.1, "anomaly": false}` + "\n" + `{"row": 1, "score": 0.7, "anomaly": true, "reasons": []}` + "\n", 2, true},
		{"too few rows", `{"row": 0, "score": 0.1, "anomaly": false}` + "\n", 2, false},
		{"rows out of order", `{"row": 1, "score": 0.1}` + "\n" + `{"row": 0, "score": 0.2}` + "\n", 2, false},
		{"no score", `{"row": 0, "anomaly": true}` + "\n", 1, false},
		{"not JSON", "row 0\n", 1, false},
	}
	for _, c := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".jsonl")
		if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
			t.Fatal(err)
		}
		scores, flagged, err := readBaseline(path, c.rows)
		if (err == nil) != c.ok {
			t.Errorf("%s: error %v, want ok %v", c.name, err, c.ok)
		}
		if c.ok && (!slices.Equal(scores, []float64{0.1, 0.7}) || !slices.Equal(flagged, []bool{false, true})) {
			t.Errorf("%s: got %v %v", c.name, scores, flagged)
		}
	}
}

// TestWriteSplit checks that the written files hold exactly the split's
// rows and values, without the label, and that the split is 60/40 and
// reproducible.
func TestWriteSplit(t *testing.T) {
	data, out := t.TempDir(), t.TempDir()
	labelledCSV(t, data, "toy", 200)
	tab, err := dataset.ReadFile(filepath.Join(data, "toy.csv"), dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSplit(out, "toy", 3, tab); err != nil {
		t.Fatal(err)
	}
	trainRows, testRows := split(tab, 3)
	if len(trainRows) != 120 || len(testRows) != 80 {
		t.Fatalf("split %d/%d, want 120/80", len(trainRows), len(testRows))
	}
	again, _ := split(tab, 3)
	if !slices.Equal(again, trainRows) {
		t.Error("split is not reproducible")
	}
	for part, rows := range map[string][]int{"train": trainRows, "score": testRows} {
		got, err := dataset.ReadFile(filepath.Join(out, "toy-3-"+part+".csv"), dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Column("label") != nil || len(got.Columns) != 3 || got.Rows != len(rows) {
			t.Fatalf("%s: %d columns, %d rows, label %v", part, len(got.Columns), got.Rows, got.Column("label") != nil)
		}
		for _, name := range []string{"a", "b", "c"} {
			want, have := tab.Column(name).Floats, got.Column(name).Floats
			for i, r := range rows {
				if have[i] != want[r] {
					t.Fatalf("%s %s row %d: %v, want %v", part, name, i, have[i], want[r])
				}
			}
		}
	}
}

// TestRun writes the splits, stands in for the baseline with a score that
// is perfect on the shifted rows, and checks the tables.
func TestRun(t *testing.T) {
	data, work := t.TempDir(), t.TempDir()
	labelledCSV(t, data, "toy", 400)
	seeds := []uint64{1, 2}
	if err := run(nil, data, seeds, work, ""); err != nil {
		t.Fatal(err)
	}
	for _, seed := range seeds {
		score, err := dataset.ReadFile(filepath.Join(work, fmt.Sprintf("toy-%d-score.csv", seed)), dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, a := range score.Column("a").Floats {
			fmt.Fprintf(&b, `{"row": %d, "score": %v, "anomaly": %v}`+"\n", i, a, a > 3)
		}
		path := filepath.Join(work, fmt.Sprintf("toy-%d-baseline.jsonl", seed))
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := run(&out, data, seeds, "", work); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"| set | rows × features | outliers | forest | mahalanobis | knn | range | combined | scikit-learn IsolationForest |",
		"| toy | 400 × 3 | 5.0% |", "| **mean** |", "scikit-learn flag TPR"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// The far-shifted rows are easy: every ROC-AUC of the combined score and
	// of the stand-in baseline is near 1.
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "| toy |") || strings.Count(line, "|") < 10 {
			continue
		}
		cells := strings.Split(line, "|")
		for _, c := range []string{cells[len(cells)-3], cells[len(cells)-2]} {
			var v float64
			if _, err := fmt.Sscan(strings.TrimSpace(c), &v); err != nil || math.IsNaN(v) || v < 0.9 {
				t.Errorf("combined or baseline figure %q in %q, want >= 0.9", c, line)
			}
		}
		break // the first toy line is the ROC-AUC table's
	}
	if err := run(&out, t.TempDir(), seeds, "", ""); err == nil {
		t.Error("an empty directory should be an error")
	}
}

func TestParseSizes(t *testing.T) {
	cases := []struct {
		in   string
		want []int
	}{
		{"200, 827", []int{200, 827}},
		{"0", nil},
		{"200,x", nil},
	}
	for _, c := range cases {
		got, err := parseSizes(c.in)
		if (err == nil) != (c.want != nil) || !slices.Equal(got, c.want) {
			t.Errorf("parseSizes(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// TestRunSmall measures the toy set's false-positive rate on references of
// 100 and 200 of its 380 inliers; 300 would leave too few to score.
func TestRunSmall(t *testing.T) {
	data := t.TempDir()
	labelledCSV(t, data, "toy", 400)
	var out bytes.Buffer
	if err := runSmall(&out, data, []int{100, 200, 300}, []uint64{1, 2}, 0.01); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"FPR 0.01; 2 seeds", "| toy | 100 | ", "| toy | 200 | ", "2 of 2 |"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "| toy | 300 |") {
		t.Errorf("300 rows leave 80 inliers to score, too few:\n%s", text)
	}
}
