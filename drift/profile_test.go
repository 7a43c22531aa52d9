package drift_test

import (
	"bytes"
	"testing"

	"github.com/warden-ml/warden/drift"
)

// IsProfile recognises a profile by its content: what Encode writes,
// however it is named, also when damaged or of another version, and
// nothing else.
func TestIsProfile(t *testing.T) {
	good := encodedProfile(t)
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"a profile", good.Bytes(), true},
		{"a truncated profile", good.Bytes()[:good.Len()/2], true},
		{"a future version", gz(`{"format":"warden-profile","version":99,"rows":0,"columns":[]}`), true},
		{"empty", nil, false},
		{"CSV", []byte("a,b\n1,2\n"), false},
		{"gzipped CSV", gz("a,b\n1,2\n"), false},
		{"gzipped JSON lines", gz(`{"format":"other"}` + "\n"), false},
		{"a saved outlier detector", []byte("WOUT\x03\x00rest"), false},
		{"a gzip header alone", good.Bytes()[:10], false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := drift.IsProfile(bytes.NewReader(tc.data)); got != tc.want {
				t.Errorf("IsProfile = %v, want %v", got, tc.want)
			}
		})
	}
}

// A decoded profile knows the version of its file; a built one has none.
func TestProfileFormatVersion(t *testing.T) {
	p := profile(t, table(col("x", []float64{1, 2, 3})))
	if p.FormatVersion != 0 {
		t.Errorf("built profile: FormatVersion %d, want 0", p.FormatVersion)
	}
	var buf bytes.Buffer
	if err := p.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := drift.DecodeProfile(&buf, "p.wprof")
	if err != nil {
		t.Fatal(err)
	}
	if loaded.FormatVersion != drift.ProfileVersion {
		t.Errorf("decoded profile: FormatVersion %d, want %d", loaded.FormatVersion, drift.ProfileVersion)
	}
}
