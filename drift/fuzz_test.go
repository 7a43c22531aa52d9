package drift_test

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/warden-ml/warden/drift"
)

// FuzzDecodeProfile: a profile file from anywhere either decodes into a
// profile that Compare can use, or is rejected; it never panics. IsProfile
// looks at anything without panicking and recognises every re-encoded one.
func FuzzDecodeProfile(f *testing.F) {
	var good bytes.Buffer
	p := profile(f, table(col("x", []float64{1, 2, 2, 3}), col("c", []string{"a", "b", "", "a"}), col("b", []bool{true, false, true, true})))
	if err := p.Encode(&good); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes(), false)
	f.Add([]byte(`{"format":"warden-profile","version":1,"rows":2,"columns":[{"name":"x","type":"numeric","rows":2,"missing":0,"values":{"distinct":"AAAAAAAA8D8AAAAAAAAIQA==","counts":"AQE="}}]}`), true)
	f.Add([]byte(`{"format":"warden-profile","version":1,"rows":1,"columns":[{"name":"c","type":"categorical","rows":1,"categories":[{"value":"a","count":1}]}]}`), true)
	f.Fuzz(func(t *testing.T, data []byte, compress bool) {
		if compress {
			var b bytes.Buffer
			w := gzip.NewWriter(&b)
			w.Write(data)
			w.Close()
			data = b.Bytes()
		}
		drift.IsProfile(bytes.NewReader(data))
		p, err := drift.DecodeProfile(bytes.NewReader(data), "fuzz.wprof")
		if err != nil {
			return
		}
		if p.FormatVersion < 1 || p.FormatVersion > drift.ProfileVersion {
			t.Fatalf("decoded a profile of version %d", p.FormatVersion)
		}
		var again bytes.Buffer
		if err := p.Encode(&again); err != nil {
			t.Fatal(err)
		}
		if !drift.IsProfile(&again) {
			t.Fatal("IsProfile does not recognise a re-encoded profile")
		}
		if _, err := drift.Compare(p, p, drift.DefaultOptions()); err != nil {
			// Compare may refuse inconsistent inputs, but must not panic.
			return
		}
	})
}
