package outlier

import (
	"slices"
	"testing"

	"github.com/warden-ml/warden/dataset"
)

func TestIsEncoded(t *testing.T) {
	data, err := simDetector(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"a saved detector", data, true},
		{"its first bytes", data[:4], true},
		{"too short", data[:3], false},
		{"empty", nil, false},
		{"CSV", []byte("amount,label\n1,0\n"), false},
		{"gzip", []byte{0x1f, 0x8b, 8, 0}, false},
	}
	for _, tc := range tests {
		if got := IsEncoded(tc.data); got != tc.want {
			t.Errorf("%s: IsEncoded = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Detectors and CalibrationRows describe a fitted detector, and a decoded
// one the same way.
func TestDetectorsAndCalibrationRows(t *testing.T) {
	cats := make([]string, 400)
	for i := range cats {
		cats[i] = []string{"a", "b", "c"}[i%3]
	}
	onlyCategories := &dataset.Table{Source: "cats", Rows: len(cats), Columns: []*dataset.Column{categorical("merchant", cats)}}
	withCategories, err := Fit(onlyCategories, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	contaminated, err := Fit(simTable(t, 3, 4000), Options{Exclude: simExclude, Seed: 3, Contamination: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	clean, err := Fit(simTable(t, 3, 4000), Options{Exclude: simExclude, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		d         *Detector
		detectors []string
		minRows   int
		maxRows   int
	}{
		{"numeric and categorical features", clean, []string{"isolation", "mahalanobis", "knn", "range", "category"}, 900, 1100},
		{"a fifth of the held-out rows trusted less", contaminated, []string{"isolation", "mahalanobis", "knn", "range", "category"}, 700, 900},
		{"categories only", withCategories, []string{"category"}, 80, 120},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := tc.d.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var decoded Detector
			if err := decoded.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			for _, d := range []*Detector{tc.d, &decoded} {
				if got := d.Detectors(); !slices.Equal(got, tc.detectors) {
					t.Errorf("Detectors = %q, want %q", got, tc.detectors)
				}
				if n := d.Calibration().HeldOut; n < tc.minRows || n > tc.maxRows {
					t.Errorf("CalibrationRows = %d, want %d to %d", n, tc.minRows, tc.maxRows)
				}
			}
		})
	}
}

func categorical(name string, values []string) *dataset.Column {
	c := &dataset.Column{Name: name, Type: dataset.Categorical}
	index := map[string]int32{}
	for _, v := range values {
		code, ok := index[v]
		if !ok {
			code = int32(len(c.Levels))
			index[v] = code
			c.Levels = append(c.Levels, v)
		}
		c.Codes = append(c.Codes, code)
	}
	return c
}
