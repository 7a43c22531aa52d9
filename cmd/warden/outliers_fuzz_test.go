package main

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// The hand-written encoders write JSON that reads back as encoding/json's
// does (strings need not escape HTML characters as json.Marshal does).
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"transaction_amount", `say "hi"`, "tab\there", "\x00\x1f", "é", "\xff", "<&>", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		var back, want string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("appendJSONString(%q) = %s, not a JSON string: %v", s, got, err)
		}
		ref, _ := json.Marshal(s)
		json.Unmarshal(ref, &want) // invalid UTF-8 reads back as U+FFFD either way
		if back != want {
			t.Fatalf("appendJSONString(%q) reads back as %q, want %q", s, back, want)
		}
	})
}

func FuzzAppendJSONFloat(f *testing.F) {
	for _, x := range []float64{0, -0.0, 1, 0.1, 1e-7, 1e21, 123456789.125, -3.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		got := appendJSONFloat(nil, x)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if string(got) != "null" {
				t.Fatalf("appendJSONFloat(%v) = %s, want null", x, got)
			}
			return
		}
		want, _ := json.Marshal(x)
		if !bytes.Equal(got, want) {
			t.Fatalf("appendJSONFloat(%v) = %s, want %s", x, got, want)
		}
	})
}
