package jsonw

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// jsonEncoding is encoding/json's output for v, without HTML escaping.
func jsonEncoding(t testing.TB, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// TestAppendFloatMatchesEncodingJSON: numbers are written exactly as
// encoding/json writes them.
func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	cases := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e20, 1e21, 1e-6, 1e-7, 123456789e-15, math.MaxFloat64,
		math.SmallestNonzeroFloat64, -2.5e-8, 1e100, 12.5}
	for range 100000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		cases = append(cases, f, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(50)-25)))
	}
	for _, f := range cases {
		if got, want := string(AppendFloat(nil, f)), jsonEncoding(t, f); got != want {
			t.Fatalf("%v: got %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := string(AppendFloat(nil, f)); got != "null" {
			t.Errorf("%v: got %s, want null", f, got)
		}
	}
}

// TestAppendStringMatchesEncodingJSON: strings are escaped exactly as
// encoding/json escapes them (without HTML escaping), invalid UTF-8
// included.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	pieces := []string{"a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f", "<>&",
		"é", "€", "😀", "\u2028", "\u2029", "\ufffd", "\xff", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf"}
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := string(AppendString(nil, s)), jsonEncoding(t, s); got != want {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
}

// The encoders write what encoding/json writes, for any input.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"transaction_amount", `say "hi"`, "tab\there", "\x00\x1f", "é", "\xff", "<&>", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(AppendString(nil, s)), jsonEncoding(t, s); got != want {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func FuzzAppendFloat(f *testing.F) {
	for _, x := range []float64{0, math.Copysign(0, -1), 1, 0.1, 1e-7, 1e21, 123456789.125, -3.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		got := string(AppendFloat(nil, x))
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if got != "null" {
				t.Fatalf("AppendFloat(%v) = %s, want null", x, got)
			}
			return
		}
		if want := jsonEncoding(t, x); got != want {
			t.Fatalf("AppendFloat(%v) = %s, want %s", x, got, want)
		}
	})
}
