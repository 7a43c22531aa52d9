package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A profile carries the outlier detector: replaying with the profile as the
// reference gives the same alerts, adversarial ones included, as replaying
// with the data; a profile built without one says so and screens nothing.
func TestProfileCarriesOutlierDetector(t *testing.T) {
	dir := t.TempDir()
	if r := warden(t, "simulate", "--dir", dir, "--seed", "5", "--format", "events", "--rows", "40000",
		"--drift", "transaction_amount:scale=4,from=12h", "--burst", "prober:count=40,from=9h"); r.code != 0 {
		t.Fatalf("simulate: exit %d: %s", r.code, r.stderr)
	}
	ref, events := filepath.Join(dir, "reference.csv"), filepath.Join(dir, "production.jsonl")
	withDetector, without := filepath.Join(dir, "with.wprof"), filepath.Join(dir, "without.wprof")
	if r := warden(t, "profile", "build", "--data", ref, "--out", withDetector); r.code != 0 || !strings.Contains(r.stderr, "outlier detector over 7 inputs") {
		t.Fatalf("profile build: exit %d: %s", r.code, r.stderr)
	}
	if r := warden(t, "profile", "build", "--data", ref, "--out", without, "--no-outliers"); r.code != 0 {
		t.Fatalf("profile build --no-outliers: exit %d: %s", r.code, r.stderr)
	}
	if r := warden(t, "profile", "build", "--data", ref, "--out", without, "--fpr", "0.9"); r.code != 2 || !strings.Contains(r.stderr, "fpr") {
		t.Errorf("profile build --fpr 0.9: exit %d: %s", r.code, r.stderr)
	}
	replay := func(reference string) result {
		cfg := writeFile(t, dir, "warden.yaml", "models:\n  - name: fraud_detection_v2\n    reference: "+reference+"\n")
		return warden(t, "replay", "--config", cfg, "--events", events)
	}
	fromData, fromProfile, fromBare := replay(ref), replay(withDetector), replay(without)
	if fromData.code != 1 || !strings.Contains(fromData.stdout, `"type":"adversarial"`) {
		t.Fatalf("replay with the data: exit %d, no adversarial alert: %s", fromData.code, fromData.stderr)
	}
	if fromProfile.stdout != fromData.stdout {
		t.Error("replaying with the profile gives other alerts than with the data")
	}
	if strings.Contains(fromBare.stdout, `"type":"adversarial"`) || !strings.Contains(fromBare.stderr, "holds no outlier detector") {
		t.Errorf("profile without a detector: adversarial alerts or no warning: %s", fromBare.stderr)
	}
}

// One profile goes wherever reference data does, whatever it is named:
// warden drift --reference gives the answer the data gives, and warden
// outliers --detector scores with the detector inside it as with the same
// detector fitted on the data.
func TestProfileWorksEverywhere(t *testing.T) {
	dir := t.TempDir()
	cols := []string{"temp", "weathersit", "workingday", "cnt"}
	ref := writeFile(t, dir, "jan.csv", bikeCSV(600, 0, false, cols...))
	cur := writeFile(t, dir, "jul.csv", bikeCSV(300, 0.3, false, cols...))
	prof, wdet := filepath.Join(dir, "jan.wprof"), filepath.Join(dir, "jan.wdet")
	if r := warden(t, "profile", "build", "--data", ref, "--out", prof); r.code != 0 {
		t.Fatalf("profile build: exit %d: %s", r.code, r.stderr)
	}
	if r := warden(t, "outliers", "--train", ref, "--seed", "1", "--save", wdet); r.code != 0 {
		t.Fatalf("outliers --save: exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	unnamed := writeFile(t, dir, "reference", string(data))

	want := warden(t, "drift", "--reference", ref, "--current", cur, "--format", "json")
	if want.code != 1 {
		t.Fatalf("drift against the data: exit %d, want 1: %s", want.code, want.stderr)
	}
	for _, args := range [][]string{{"--reference", prof}, {"--profile", prof}, {"--reference", unnamed}} {
		got := warden(t, append([]string{"drift", "--current", cur, "--format", "json"}, args...)...)
		if got.code != want.code || got.stdout != want.stdout {
			t.Errorf("drift %v: exit %d and another report than against the data: %s", args, got.code, got.stderr)
		}
	}

	want = warden(t, "outliers", "--detector", wdet, "--score", cur)
	if want.code > 1 || want.stdout == "" {
		t.Fatalf("outliers --detector %s: exit %d: %s", wdet, want.code, want.stderr)
	}
	for _, detector := range []string{prof, unnamed} {
		got := warden(t, "outliers", "--detector", detector, "--score", cur)
		if got.code != want.code || got.stdout != want.stdout {
			t.Errorf("outliers --detector %s: exit %d and other verdicts than the saved detector's: %s", detector, got.code, got.stderr)
		}
	}
}

// A file given to the wrong flag is named for what it is, with what the
// flag takes and what to do instead.
func TestWrongFileKinds(t *testing.T) {
	dir := t.TempDir()
	cols := []string{"temp", "weathersit", "workingday", "cnt"}
	csv := writeFile(t, dir, "jan.csv", bikeCSV(200, 0, false, cols...))
	prof, bare, wdet := filepath.Join(dir, "jan.wprof"), filepath.Join(dir, "bare.wprof"), filepath.Join(dir, "jan.wdet")
	for _, args := range [][]string{
		{"profile", "build", "--data", csv, "--out", prof},
		{"profile", "build", "--data", csv, "--out", bare, "--no-outliers"},
		{"outliers", "--train", csv, "--save", wdet},
	} {
		if r := warden(t, args...); r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(bikeCSV(50, 0, false, cols...)))
	zw.Close()
	csvGz := writeFile(t, dir, "jan.csv.gz", gz.String())
	jsonl := writeFile(t, dir, "jan.jsonl", `{"temp":0.2}`+"\n")
	other := writeFile(t, dir, "foo.bin", "\x00\x01\x02binary")
	empty := writeFile(t, dir, "empty", "")

	tests := []struct {
		name string
		args []string
		want string // the whole of stderr
	}{
		{"data as a detector", []string{"outliers", "--detector", csv, "--score", csv},
			"--detector " + csv + " is a CSV data file, not a detector: pass it as --train, or build a profile with warden profile build (or save a detector with warden outliers --train ... --save FILE)"},
		{"gzipped data as a detector", []string{"outliers", "--detector", csvGz, "--score", csv},
			"--detector " + csvGz + " is a gzip-compressed CSV data file, not a detector: pass it as --train, or build a profile with warden profile build (or save a detector with warden outliers --train ... --save FILE)"},
		{"JSON lines as a detector", []string{"outliers", "--detector", jsonl, "--score", csv},
			"--detector " + jsonl + " is a JSON-lines data file, not a detector: pass it as --train, or build a profile with warden profile build (or save a detector with warden outliers --train ... --save FILE)"},
		{"a profile without a detector", []string{"outliers", "--detector", bare, "--score", csv},
			"--detector " + bare + " is a Warden profile without an outlier detector (built with --no-outliers, or by an older warden): rebuild it with warden profile build --data REF --out " + bare + ", without --no-outliers, or pass the data as --train"},
		{"something else as a detector", []string{"outliers", "--detector", other, "--score", csv},
			"--detector " + other + " is a file of an unknown kind, not a Warden profile or detector: expected a file written by warden profile build or warden outliers --save"},
		{"an empty detector", []string{"outliers", "--detector", empty, "--score", csv},
			"--detector " + empty + " is an empty file, not a Warden profile or detector: expected a file written by warden profile build or warden outliers --save"},
		{"a profile to train on", []string{"outliers", "--train", prof, "--score", csv},
			"--train " + prof + " is a Warden profile, not data (CSV or JSON lines): pass it as --detector, which scores with the outlier detector inside it"},
		{"a detector to train on", []string{"outliers", "--train", wdet, "--score", csv},
			"--train " + wdet + " is a saved outlier detector, not data (CSV or JSON lines): pass it as --detector"},
		{"a profile to score", []string{"outliers", "--detector", wdet, "--score", prof},
			"--score " + prof + " is a Warden profile, not data (CSV or JSON lines)"},
		{"a detector as the reference", []string{"drift", "--reference", wdet, "--current", csv},
			"--reference " + wdet + " is a saved outlier detector, not reference data or a profile: give the data it was fitted on, or a profile from warden profile build"},
		{"a detector as --profile", []string{"drift", "--profile", wdet, "--current", csv},
			"--profile " + wdet + " is a saved outlier detector, not a Warden profile: give a profile from warden profile build"},
		{"data as --profile", []string{"drift", "--profile", csv, "--current", csv},
			"--profile " + csv + " is a CSV data file, not a Warden profile: pass data as --reference"},
		{"something else as --profile", []string{"drift", "--profile", other, "--current", csv},
			"--profile " + other + " is a file of an unknown kind, not a Warden profile: expected a file written by warden profile build"},
		{"a profile as the current data", []string{"drift", "--reference", csv, "--current", prof},
			"--current " + prof + " is a Warden profile, not data (CSV or JSON lines): a profile stands for reference data only (--reference)"},
		{"units for a profile", []string{"drift", "--reference", prof, "--current", csv, "--unit", "temp=C"},
			"--unit applies to reference data; " + prof + " is a profile, whose units were set when it was built"},
		{"a profile to profile", []string{"profile", "build", "--data", prof, "--out", filepath.Join(dir, "x.wprof")},
			"--data " + prof + " is a Warden profile, not data (CSV or JSON lines): warden profile show " + prof + " prints what it holds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := warden(t, tc.args...)
			if got := strings.TrimSpace(r.stderr); r.code != 2 || got != "warden: "+tc.want {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and:\nwarden: %s", r.code, got, tc.want)
			}
		})
	}
}

// showCSV is reference data with a column of every kind profile show
// describes.
func showCSV(n int) string {
	var b strings.Builder
	b.WriteString("day,amount,merchant,card_present,note\n")
	merchants := []string{"grocery", "grocery", "online", "travel", "fuel", "grocery", "online"}
	for i := range n {
		amount := fmt.Sprintf("%.2f", 5+float64(i*37%101))
		if i%50 == 7 {
			amount = "NA"
		}
		fmt.Fprintf(&b, "2011-01-%02d,%s,%s,%v,\n", 1+i%31, amount, merchants[i%len(merchants)], i%3 == 0)
	}
	return b.String()
}

// warden profile show prints what a profile holds; golden files keep its
// text and JSON (go test -update rewrites them).
func TestProfileShow(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "reference.csv", showCSV(300))
	prof, bare := filepath.Join(dir, "reference.wprof"), filepath.Join(dir, "bare.wprof")
	if r := warden(t, "profile", "build", "--data", data, "--out", prof); r.code != 0 {
		t.Fatalf("profile build: exit %d: %s", r.code, r.stderr)
	}
	if r := warden(t, "profile", "build", "--data", data, "--out", bare, "--no-outliers"); r.code != 0 {
		t.Fatalf("profile build: exit %d: %s", r.code, r.stderr)
	}
	for _, tc := range []struct{ golden, file, format string }{
		{"profile_show.txt", prof, "text"},
		{"profile_show.json", prof, "json"},
		{"profile_show_bare.txt", bare, "text"},
	} {
		r := warden(t, "profile", "show", tc.file, "--format", tc.format)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("profile show %s --format %s: exit %d: %s", tc.file, tc.format, r.code, r.stderr)
		}
		// The build that wrote the file differs from machine to machine.
		writer := regexp.MustCompile(`warden \S+ \(commit \S+, go\S+ \S+/\S+\)`)
		if !writer.MatchString(r.stdout) {
			t.Errorf("profile show %s: the version that wrote it is not shown:\n%s", tc.format, r.stdout)
		}
		golden(t, tc.golden, writer.ReplaceAllString(strings.ReplaceAll(r.stdout, dir, "DIR"), "warden VERSION"))
	}
	var desc struct {
		Rows    int `json:"rows"`
		Outlier *struct {
			Features    []struct{ Name string } `json:"features"`
			Calibration struct {
				HeldOut int    `json:"held_out"`
				Warning string `json:"warning"`
			} `json:"calibration"`
		} `json:"outlier_detector"`
	}
	r := warden(t, "profile", "show", prof, "--format", "json")
	if err := json.Unmarshal([]byte(r.stdout), &desc); err != nil {
		t.Fatal(err)
	}
	if desc.Rows != 300 || desc.Outlier == nil || len(desc.Outlier.Features) != 3 || desc.Outlier.Calibration.HeldOut == 0 || desc.Outlier.Calibration.Warning == "" {
		t.Errorf("profile show --format json: %+v", desc)
	}
	r = warden(t, "profile", "show", bare, "--format", "json")
	if !strings.Contains(r.stdout, `"outlier_detector": null`) {
		t.Errorf("a profile without a detector: %s", r.stdout)
	}
}

// Usage errors of warden profile exit 2 with a message; the bare command
// prints its help.
func TestProfileUsage(t *testing.T) {
	dir := t.TempDir()
	csv := writeFile(t, dir, "jan.csv", "a,b\n1,x\n")
	tests := []struct {
		args []string
		code int
		want string // in stderr, or stdout for exit 0
	}{
		{[]string{"profile"}, 0, "Available Commands"},
		{[]string{"profile", "nosuch"}, 2, `warden profile: unknown command "nosuch"`},
		{[]string{"profile", "shw", "x.wprof"}, 2, `warden profile: unknown command "shw"; did you mean "show"?`},
		{[]string{"profile", "show"}, 2, "profile show needs one profile file: warden profile show PROFILE"},
		{[]string{"profile", "show", "a.wprof", "b.wprof"}, 2, "profile show needs one profile file"},
		{[]string{"profile", "show", filepath.Join(dir, "nope.wprof")}, 2, "nope.wprof"},
		{[]string{"profile", "show", csv}, 2, csv + " is a CSV data file, not a Warden profile: build one with warden profile build --data " + csv + " --out PROFILE"},
		{[]string{"profile", "show", csv, "--format", "xml"}, 2, `--format "xml": want text or json`},
	}
	for _, tc := range tests {
		r := warden(t, tc.args...)
		out := r.stderr
		if tc.code == 0 {
			out = r.stdout
		}
		if r.code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("warden %v: exit %d, want %d and %q:\n%s%s", tc.args, r.code, tc.code, tc.want, r.stdout, r.stderr)
		}
	}
}
