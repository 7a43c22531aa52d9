package stats

import (
	"math"
	"testing"
)

func TestBenjaminiHochbergAndBonferroni(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name     string
		p        []float64
		bh, bonf []float64
	}{
		{"empty", []float64{}, []float64{}, []float64{}},
		// Ranks of 0.01 0.04 0.03 0.005: 2 4 3 1; p*m/rank = 0.02 0.04 0.04 0.02.
		{"textbook", []float64{0.01, 0.04, 0.03, 0.005},
			[]float64{0.02, 0.04, 0.04, 0.02}, []float64{0.04, 0.16, 0.12, 0.02}},
		// p*m/rank = 0.15 0.09 0.1: the running minimum from the top lowers rank 1 to 0.09.
		{"monotone", []float64{0.05, 0.06, 0.1}, []float64{0.09, 0.09, 0.1}, []float64{0.15, 0.18, 0.3}},
		{"capped", []float64{0.9, 0.8}, []float64{0.9, 0.9}, []float64{1, 1}},
		{"ties", []float64{0.02, 0.02, 0.02}, []float64{0.02, 0.02, 0.02}, []float64{0.06, 0.06, 0.06}},
		// NaN stays in place and m counts only the 2 real p-values.
		{"NaN", []float64{0.01, nan, 0.04}, []float64{0.02, nan, 0.04}, []float64{0.02, nan, 0.08}},
		{"all NaN", []float64{nan}, []float64{nan}, []float64{nan}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check := func(name string, got, want []float64) {
				if len(got) != len(want) || got == nil {
					t.Fatalf("%s = %v, want %v", name, got, want)
				}
				for i := range got {
					if !(math.Abs(got[i]-want[i]) <= 1e-15 || math.IsNaN(got[i]) && math.IsNaN(want[i])) {
						t.Fatalf("%s = %v, want %v", name, got, want)
					}
				}
			}
			check("BenjaminiHochberg", BenjaminiHochberg(tc.p), tc.bh)
			check("Bonferroni", Bonferroni(tc.p), tc.bonf)
		})
	}
}

func TestBenjaminiHochbergDoesNotModifyInput(t *testing.T) {
	p := []float64{0.3, 0.01, 0.2}
	BenjaminiHochberg(p)
	Bonferroni(p)
	if p[0] != 0.3 || p[1] != 0.01 || p[2] != 0.2 {
		t.Fatalf("input changed: %v", p)
	}
}
