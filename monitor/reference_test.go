package monitor_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/simulate"
)

// A reference file is a profile or data by its content, whatever its name.
func TestLoadReferenceByContent(t *testing.T) {
	dir := t.TempDir()
	m := fraudModel()
	built, err := monitor.BuildReference(referenceTable(t, 3, 4000), &m)
	if err != nil {
		t.Fatal(err)
	}
	var profile, csv bytes.Buffer
	if err := built.Profile.Encode(&profile); err != nil {
		t.Fatal(err)
	}
	if err := simulate.WriteCSV(&csv, simulate.Reference(3, 4000)); err != nil {
		t.Fatal(err)
	}
	var smallCSV bytes.Buffer
	if err := simulate.WriteCSV(&smallCSV, simulate.Reference(3, 800)); err != nil {
		t.Fatal(err)
	}
	bare := *built.Profile
	bare.Outlier = nil
	var noDetector bytes.Buffer
	if err := bare.Encode(&noDetector); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file string
		data       []byte
		detector   bool
		warning    string
		err        string
		rows       int // of the profile, when not the built one's
	}{
		{name: "a profile named .wprof", file: "ref.wprof", data: profile.Bytes(), detector: true},
		{name: "a profile named otherwise", file: "reference.bin", data: profile.Bytes(), detector: true},
		{name: "a profile without a detector", file: "bare", data: noDetector.Bytes(), warning: "holds no outlier detector"},
		{name: "CSV", file: "reference.csv", data: csv.Bytes(), detector: true},
		{name: "CSV without an extension", file: "reference", data: csv.Bytes(), detector: true},
		{name: "a reference too small for the false-positive rate", file: "small.csv", data: smallCSV.Bytes(), detector: true,
			warning: "outlier screening: the false-positive rate 0.5% ", rows: 800},
		{name: "a damaged profile", file: "ref.wprof", data: profile.Bytes()[:profile.Len()/2], err: "ref.wprof: not a Warden profile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			ref, err := monitor.LoadReference(path, &m)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (ref.Outlier != nil) != tc.detector {
				t.Errorf("outlier detector: %v, want %v", ref.Outlier != nil, tc.detector)
			}
			if got := strings.Join(ref.Warnings, "; "); !strings.Contains(got, tc.warning) || (tc.warning == "") != (got == "") {
				t.Errorf("warnings %q, want %q", got, tc.warning)
			}
			rows := built.Profile.Rows
			if tc.rows > 0 {
				rows = tc.rows
			}
			if len(ref.Profile.Columns) != len(built.Profile.Columns) || ref.Profile.Rows != rows {
				t.Errorf("profile of %d rows and %d columns, want %d and %d", ref.Profile.Rows, len(ref.Profile.Columns), rows, len(built.Profile.Columns))
			}
		})
	}
	if _, err := monitor.LoadReference(filepath.Join(dir, "nope.csv"), &m); err == nil || !os.IsNotExist(err) {
		t.Errorf("missing file: err = %v", err)
	}
}
