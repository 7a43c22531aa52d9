package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/simulate"
)

// runSimulateCmd runs the simulate command alone and returns its stdout and
// stderr.
func runSimulateCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newSimulateCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSimulateDir(t *testing.T) {
	tests := []struct {
		format              string
		reference, current  string
		currentFirstLineKey string
	}{
		{"csv", "reference.csv", "production.csv", "transaction_amount,merchant_category,"},
		{"jsonl", "reference.jsonl", "production.jsonl", `{"transaction_amount":`},
		{"events", "reference.csv", "production.jsonl", `{"id":"tx-00000001","model":"fraud_detection_v2",`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new", "dir")
			stdout, stderr, err := runSimulateCmd(t, "--dir", dir, "--format", tt.format, "--rows", "300", "--reference-rows", "200")
			if err != nil {
				t.Fatal(err)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "200 reference rows to "+filepath.Join(dir, tt.reference)) ||
				!strings.Contains(stderr, "300 production rows to "+filepath.Join(dir, tt.current)) {
				t.Errorf("stderr %q, want a one-line summary naming both files", stderr)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 2 {
				t.Errorf("%d files in the directory, want 2", len(entries))
			}
			ref := readFile(t, filepath.Join(dir, tt.reference))
			cur := readFile(t, filepath.Join(dir, tt.current))
			header := 0
			if strings.HasSuffix(tt.reference, ".csv") {
				header = 1
			}
			if n := bytes.Count(ref, []byte("\n")); n != 200+header {
				t.Errorf("%s has %d lines, want %d", tt.reference, n, 200+header)
			}
			if strings.HasSuffix(tt.current, ".csv") {
				header = 1
			} else {
				header = 0
			}
			if n := bytes.Count(cur, []byte("\n")); n != 300+header {
				t.Errorf("%s has %d lines, want %d", tt.current, n, 300+header)
			}
			if !bytes.HasPrefix(cur, []byte(tt.currentFirstLineKey)) {
				t.Errorf("%s starts %.80q, want %q", tt.current, cur, tt.currentFirstLineKey)
			}
		})
	}
}

// TestSimulateMatchesLibrary checks the flags reach the generator: rows over
// duration make the rate, and the other flags map one to one.
func TestSimulateMatchesLibrary(t *testing.T) {
	dir := t.TempDir()
	_, _, err := runSimulateCmd(t, "--dir", dir, "--seed", "3", "--rows", "500", "--reference-rows", "50",
		"--duration", "2h", "--users", "20", "--start", "2026-05-01T08:00:00+02:00", "--format", "events",
		"--drift", "hour:shift=2,from=1h", "--drift", "merchant_category:new=crypto,share=0.5,ramp=30m")
	if err != nil {
		t.Fatal(err)
	}
	var drifts []simulate.Drift
	for _, spec := range []string{"hour:shift=2,from=1h", "merchant_category:new=crypto,share=0.5,ramp=30m"} {
		d, err := simulate.ParseDrift(spec)
		if err != nil {
			t.Fatal(err)
		}
		drifts = append(drifts, d)
	}
	g, err := simulate.NewGenerator(simulate.Options{
		Seed: 3, Rate: 500.0 / 7200, Users: 20, Drifts: drifts,
		Start: time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	var wantCur, wantRef bytes.Buffer
	if err := simulate.WriteEvents(&wantCur, g.Take(500)); err != nil {
		t.Fatal(err)
	}
	if err := simulate.WriteCSV(&wantRef, simulate.Reference(3, 50)); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "production.jsonl")); !bytes.Equal(got, wantCur.Bytes()) {
		t.Error("production.jsonl differs from the library's events for the same options")
	}
	if got := readFile(t, filepath.Join(dir, "reference.csv")); !bytes.Equal(got, wantRef.Bytes()) {
		t.Error("reference.csv differs from simulate.Reference")
	}
}

func TestSimulateDeterminism(t *testing.T) {
	run := func(args ...string) (ref, cur []byte) {
		dir := t.TempDir()
		if _, _, err := runSimulateCmd(t, append([]string{"--dir", dir, "--rows", "400", "--reference-rows", "400"}, args...)...); err != nil {
			t.Fatal(err)
		}
		return readFile(t, filepath.Join(dir, "reference.csv")), readFile(t, filepath.Join(dir, "production.csv"))
	}
	ref, cur := run()
	tests := []struct {
		name             string
		args             []string
		sameRef, sameCur bool
	}{
		{"same flags", nil, true, true},
		{"drift leaves the reference alone", []string{"--drift", "transaction_amount:scale=3"}, true, false},
		{"users leave the reference alone", []string{"--users", "7"}, true, true}, // CSV has no user column
		{"other seed", []string{"--seed", "2"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, c := run(tt.args...)
			if bytes.Equal(r, ref) != tt.sameRef || bytes.Equal(c, cur) != tt.sameCur {
				t.Errorf("reference same: %v (want %v), production same: %v (want %v)", bytes.Equal(r, ref), tt.sameRef, bytes.Equal(c, cur), tt.sameCur)
			}
		})
	}
}

func TestSimulateStdout(t *testing.T) {
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.csv")
	stdout, stderr, err := runSimulateCmd(t, "--current", "-", "--reference", ref, "--format", "events", "--rows", "25", "--duration", "1h")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 25 {
		t.Fatalf("%d lines on stdout, want 25", len(lines))
	}
	for i, line := range lines {
		var ev struct{ ID, Model, User, Time string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Model != simulate.ModelName || ev.User == "" {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
	}
	if !strings.Contains(stderr, "to stdout") || !strings.Contains(stderr, "10000 reference rows to "+ref) {
		t.Errorf("stderr %q", stderr)
	}
	// Only the production file.
	stdout, _, err = runSimulateCmd(t, "--current", "-", "--rows", "3")
	if err != nil || strings.Count(stdout, "\n") != 4 {
		t.Errorf("--current - alone: %q, %v; want a header and three rows", stdout, err)
	}
}

func TestSimulateUsageErrors(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--dir", out, "--format", "xml"}, `--format "xml": want csv, jsonl or events`},
		{[]string{"--dir", out, "--rows", "-1"}, "--rows -1: want 0 or more"},
		{[]string{"--dir", out, "--reference-rows", "-5"}, "--reference-rows -5"},
		{[]string{"--dir", out, "--duration", "0s"}, "--duration 0s: want a positive duration"},
		{[]string{"--dir", out, "--duration", "soon"}, `--duration "soon": want a duration such as 30s, 5m or 24h`},
		{[]string{"--dir", out, "--users", "0"}, "--users 0: want 1 to"},
		{[]string{"--dir", out, "--seed", "-1"}, `--seed "-1": want a whole number of at least 0`},
		{[]string{"--dir", out, "--start", "yesterday"}, `--start "yesterday": want an RFC 3339 time`},
		{[]string{"--dir", out, "--drift", "amount:scale=2"}, `--drift: drift "amount:scale=2": unknown feature "amount"`},
		{[]string{"--dir", out, "--drift", "hour:shift=1", "--drift", "hour:scale=2"}, `--drift: drift "hour:scale=2": the hour is cyclic`},
		{[]string{"--dir", out, "--drift", "hour:shift=1,from=25h"}, `--drift "hour:shift=1,from=25h" starts at 25h0m0s, after the end of --duration 24h0m0s`},
		{[]string{"--dir", out, "--reference", "r.csv"}, "--dir cannot be combined with --reference or --current"},
		{nil, "no output: give --dir DIR"},
		{[]string{"--reference", "-", "--current", "-"}, `cannot both be "-"`},
		{[]string{"--reference", "a.csv", "--current", "a.csv"}, `same file "a.csv"`},
		{[]string{"--dir", filepath.Join(notADir, "sub")}, "--dir: mkdir " + notADir},
		{[]string{"--current", filepath.Join(dir, "missing", "p.csv")}, "no such file or directory"},
		{[]string{"--dir", out, "--bogus"}, "warden simulate: unknown flag --bogus"},
		{[]string{"--dir", out, "extra"}, `warden simulate: takes no arguments, got "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"simulate"}, tt.args...), &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d (stderr %q)", code, exitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run created %s", out)
	}
}
