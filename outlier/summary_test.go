package outlier

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/warden-ml/warden/alert"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestSummarize(t *testing.T) {
	verdicts := make([]Verdict, 10234)
	flag := func(i int, sev alert.Severity, reasons ...Reason) {
		verdicts[i] = Verdict{Anomaly: true, Severity: sev, Reasons: reasons}
	}
	above := Reason{Feature: "transaction_amount", Kind: ReasonAboveRange}
	unseen := Reason{Feature: "merchant_category", Kind: ReasonUnseenCategory}
	knn := Reason{Kind: ReasonKNN}
	for i := range 12 {
		flag(i, alert.High, above, above, knn) // one input, one count per kind
	}
	for i := 12; i < 15; i++ {
		flag(i, alert.Critical, above, unseen)
	}
	for i := 15; i < 47; i++ {
		flag(i, alert.Medium, knn)
	}
	// Reasons on unflagged inputs (a missing value) are not counted.
	verdicts[100] = Verdict{Reasons: []Reason{{Feature: "hour", Kind: ReasonMissing}}}
	s := Summarize(verdicts)
	cases := []struct {
		name      string
		got, want int
	}{
		{"inputs", s.Inputs, 10234},
		{"anomalies", s.Anomalies, 47},
		{"high", s.BySeverity["high"], 12},
		{"critical", s.BySeverity["critical"], 3},
		{"medium", s.BySeverity["medium"], 32},
		{"above_range", s.ByReason[ReasonAboveRange], 15},
		{"knn", s.ByReason[ReasonKNN], 44},
		{"unseen", s.ByReason[ReasonUnseenCategory], 3},
		{"missing", s.ByReason[ReasonMissing], 0},
		{"amount", s.ByFeature["transaction_amount"], 15},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	golden(t, "summary.golden", []byte(s.Text()))
	if empty := Summarize(nil); empty.Rate != 0 || empty.Text() != "Anomalies Detected: 0 of 0 inputs (0.00%)\n" {
		t.Errorf("empty summary %q", empty.Text())
	}
	one := Summary{Inputs: 1, Anomalies: 1, Rate: 1, BySeverity: map[string]int{"high": 1}}
	if got := one.Text(); got != "Anomalies Detected: 1 of 1 input (100.00%)\nHIGH: 1 input with extreme values\n" {
		t.Errorf("one input: %q", got)
	}
}

// Feature names come from the data: the text escapes them and lines up
// the escaped form.
func TestSummaryTextEscapesFeatures(t *testing.T) {
	s := Summary{Inputs: 2, Anomalies: 2, Rate: 1, BySeverity: map[string]int{"high": 2},
		ByFeature: map[string]int{"amount\u202e": 2, "\x1b[2J": 1}}
	want := "Anomalies Detected: 2 of 2 inputs (100.00%)\nHIGH: 2 inputs with extreme values\nBy feature:\n" +
		"  amount\\u202e 2\n" +
		"  \\x1b[2J      1\n"
	if got := s.Text(); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
}
