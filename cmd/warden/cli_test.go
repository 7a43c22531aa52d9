package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// wardenBin is the real binary, built once for the end-to-end tests.
var wardenBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "warden-e2e")
	if err != nil {
		panic(err)
	}
	wardenBin = filepath.Join(dir, "warden")
	build := exec.Command("go", "build", "-o", wardenBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("building warden: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func warden(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(wardenBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDriftEndToEnd(t *testing.T) {
	dir := t.TempDir()
	if r := warden(t, "simulate", "--dir", dir, "--seed", "7", "--drift", "transaction_amount:scale=2.1"); r.code != 0 {
		t.Fatalf("simulate: exit %d: %s", r.code, r.stderr)
	}
	ref, cur := filepath.Join(dir, "reference.csv"), filepath.Join(dir, "production.csv")
	prof := filepath.Join(dir, "reference.wprof")
	if r := warden(t, "profile", "build", "--data", ref, "--out", prof); r.code != 0 {
		t.Fatalf("profile build: exit %d: %s", r.code, r.stderr)
	}

	// The saved profile and the raw reference give the same answer.
	fromProfile := warden(t, "drift", "--profile", prof, "--current", cur, "--format", "json")
	fromData := warden(t, "drift", "--reference", ref, "--current", cur, "--format", "json")
	if fromProfile.code != 1 || fromData.code != 1 {
		t.Fatalf("exit codes %d and %d, want 1 (dataset drift): %s %s", fromProfile.code, fromData.code, fromProfile.stderr, fromData.stderr)
	}
	if fromProfile.stdout != fromData.stdout {
		t.Errorf("profile and reference give different reports")
	}
	var rep struct {
		DatasetDrift bool `json:"dataset_drift"`
		Columns      []struct {
			Column        string  `json:"column"`
			DriftDetected bool    `json:"drift_detected"`
			Severity      string  `json:"severity"`
			Statistic     float64 `json:"statistic"`
		} `json:"columns"`
	}
	if err := json.Unmarshal([]byte(fromProfile.stdout), &rep); err != nil {
		t.Fatalf("drift JSON: %v\n%s", err, fromProfile.stdout)
	}
	for _, c := range rep.Columns {
		// Scaling the amount moves the model's score too; nothing else.
		want := c.Column == "transaction_amount" || c.Column == "score"
		if c.Column == "transaction_amount" && c.Severity != "critical" {
			t.Errorf("transaction_amount severity %s (KS %.2f), want critical", c.Severity, c.Statistic)
		}
		if c.DriftDetected && !want {
			t.Errorf("column %s flagged, only transaction_amount was drifted", c.Column)
		}
		if c.Column == "transaction_amount" && !c.DriftDetected {
			t.Errorf("transaction_amount not flagged")
		}
	}

	text := warden(t, "drift", "--profile", prof, "--current", cur)
	for _, want := range []string{"DRIFT DETECTION", "CRITICAL: Feature 'transaction_amount' drift detected", "KS statistic", "Production mean: $"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, text.stdout)
		}
	}
	if strings.Contains(text.stdout, "🔴") {
		t.Errorf("terminal markers written to a pipe")
	}

	// Reference against itself: nothing drifts, exit 0.
	if r := warden(t, "drift", "--reference", ref, "--current", ref); r.code != 0 {
		t.Errorf("reference against itself: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// --columns restricts the test.
	if r := warden(t, "drift", "--profile", prof, "--current", cur, "--columns", "hour,card_present"); r.code != 0 {
		t.Errorf("undrifted columns only: exit %d\n%s", r.code, r.stdout)
	}
}

// Bad input exits 2 with a message naming the place, and never panics.
func TestDriftBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.csv", "a,b\n1,x\n2,y\n3,x\n")
	tests := []struct {
		name    string
		current string // file content
		args    []string
		want    []string // substrings of stderr
	}{
		{name: "empty file", current: "", want: []string{"cur.csv", "empty"}},
		{name: "header only", current: "a,b\n", want: []string{"cur.csv", "no data rows"}},
		{name: "ragged row", current: "a,b\n1,x\n2,y,z\n", want: []string{"cur.csv", "line 3"}},
		{name: "not UTF-8", current: "a,b\n1,x\n2,\xff\xfe\n", want: []string{"cur.csv", "line 3", "UTF-8"}},
		{name: "wrong type", current: "a,b\n1,x\nabc,y\n", args: []string{"--type", "a=numeric"}, want: []string{"cur.csv", "line 3", `"a"`}},
		{name: "bad format", current: "a,b\n1,x\n", args: []string{"--format", "xml"}, want: []string{"--format"}},
		{name: "bad method", current: "a,b\n1,x\n", args: []string{"--method", "t"}, want: []string{"method"}},
		{name: "bad threshold", current: "a,b\n1,x\n", args: []string{"--threshold", "2"}, want: []string{"threshold"}},
		{name: "unknown column", current: "a,b\n1,x\n", args: []string{"--columns", "zzz"}, want: []string{"zzz"}},
		{name: "unknown flag", current: "a,b\n1,x\n", args: []string{"--frobnicate"}, want: []string{"frobnicate"}},
		{name: "missing file", args: []string{"--current", filepath.Join(dir, "nope.csv")}, want: []string{"nope.csv"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"drift", "--reference", good}
			if tc.current != "" || !hasFlag(tc.args, "--current") {
				args = append(args, "--current", writeFile(t, t.TempDir(), "cur.csv", tc.current))
			}
			r := warden(t, append(args, tc.args...)...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
				t.Errorf("panic: %s", r.stderr)
			}
		})
	}
}

func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag {
			return true
		}
	}
	return false
}

// A column with no values at all is reported as a data-quality finding, and
// the other columns are still tested.
func TestDriftAllMissingColumn(t *testing.T) {
	dir := t.TempDir()
	ref := writeFile(t, dir, "ref.csv", "a,b\n1,x\n2,y\n3,x\n4,y\n")
	cur := writeFile(t, dir, "cur.csv", "a,b\n1,\n2,NA\n3,null\n4,\n")
	r := warden(t, "drift", "--reference", ref, "--current", cur, "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "all values are missing in the current data") {
		t.Errorf("no finding for the all-missing column:\n%s", r.stdout)
	}
}

func TestProfileBadInput(t *testing.T) {
	dir := t.TempDir()
	notProfile := writeFile(t, dir, "x.wprof", "a,b\n1,2\n")
	cur := writeFile(t, dir, "cur.csv", "a,b\n1,2\n")
	if r := warden(t, "drift", "--profile", notProfile, "--current", cur); r.code != 2 || !strings.Contains(r.stderr, "x.wprof is a CSV data file, not a Warden profile") {
		t.Errorf("corrupt profile: exit %d, stderr %s", r.code, r.stderr)
	}
	if r := warden(t, "profile", "build", "--data", cur); r.code != 2 {
		t.Errorf("profile build without --out: exit %d", r.code)
	}
	if r := warden(t, "drift", "--reference", cur, "--profile", notProfile, "--current", cur); r.code != 2 {
		t.Errorf("both --reference and --profile: exit %d", r.code)
	}
}

// Input errors are worded in the user's terms: the flag that set a bad
// option, what a fit needs; no package or method names.
func TestMessagesInUsersTerms(t *testing.T) {
	dir := t.TempDir()
	tiny := writeFile(t, dir, "tiny.csv", "a,b\n1,2\n3,4\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"drift", "--reference", tiny, "--current", tiny, "--columns", "zz"}, `warden: --columns "zz": no such column in the reference or current data`},
		{[]string{"drift", "--reference", tiny, "--current", tiny, "--threshold", "2"}, `warden: --threshold "2": want a p-value level between 0 and 1`},
		{[]string{"drift", "--reference", tiny, "--current", tiny, "--min-effect", "1.5"}, `warden: --min-effect "1.5": want an effect size between 0 and 1`},
		{[]string{"drift", "--reference", tiny, "--current", tiny, "--method", "z"}, `warden: --method "z": cannot test numeric column "a"`},
		{[]string{"outliers", "--train", tiny, "--score", tiny}, "warden: " + tiny + " has 2 rows; an outlier detector needs at least 40"},
		{[]string{"profile", "build", "--data", tiny, "--out", filepath.Join(dir, "t.wprof")}, "warden: " + tiny + " has 2 rows; an outlier detector needs at least 40"},
	}
	for _, tc := range tests {
		r := warden(t, tc.args...)
		if r.code != exitUsage || !strings.HasPrefix(r.stderr, tc.want) {
			t.Errorf("warden %v: exit %d:\n%s\nwant exit 2 and:\n%s", tc.args, r.code, r.stderr, tc.want)
		}
		for _, leak := range []string{"invalid drift options", "outlier:", "Fit:", "UnmarshalBinary"} {
			if strings.Contains(r.stderr, leak) {
				t.Errorf("warden %v: %q in %s", tc.args, leak, r.stderr)
			}
		}
	}
}

// Counts agree with their nouns in what people read.
func TestOutputSaysOneNotOnes(t *testing.T) {
	dir := t.TempDir()
	var ref, cur strings.Builder
	ref.WriteString("amount\n")
	cur.WriteString("amount\n")
	for i := range 200 {
		fmt.Fprintf(&ref, "%d\n", i)
		if i == 0 {
			cur.WriteString("inf\n")
		} else {
			fmt.Fprintf(&cur, "%d\n", i)
		}
	}
	r := warden(t, "drift", "--reference", writeFile(t, dir, "ref.csv", ref.String()), "--current", writeFile(t, dir, "cur.csv", cur.String()))
	for _, want := range []string{"1 infinite value (none in the reference)", "0 of 1 column drifted", "Reference: 200 rows   Production: 200 rows"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("drift report lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, wrong := range []string{"1 infinite values", "1 columns"} {
		if strings.Contains(r.stdout, wrong) {
			t.Errorf("drift report says %q:\n%s", wrong, r.stdout)
		}
	}
}
