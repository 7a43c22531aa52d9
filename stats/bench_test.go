package stats

import (
	"fmt"
	"slices"
	"testing"
)

func benchSample(b *testing.B, seed uint64, n int, shift float64) []float64 {
	b.Helper()
	v, err := generate(sampleSpec{Seed: seed, N: n, Dist: "normal", Scale: 1, Shift: shift})
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(v)
	return v
}

func BenchmarkKSTwoSampleSorted(b *testing.B) {
	for _, tc := range []struct{ n1, n2 int }{{10000, 10000}, {10000, 9999}, {1000000, 10000}, {1000000, 1000000}} {
		x := benchSample(b, 1, tc.n1, 0)
		y := benchSample(b, 2, tc.n2, 0.02)
		b.Run(fmt.Sprintf("n1=%d/n2=%d", tc.n1, tc.n2), func(b *testing.B) {
			for b.Loop() {
				if _, err := KSTwoSampleSorted(x, y); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkKSTwoSample includes sorting copies of both samples, as scipy's ks_2samp does.
func BenchmarkKSTwoSample(b *testing.B) {
	for _, tc := range []struct{ n1, n2 int }{{10000, 9999}, {1000000, 1000000}} {
		x, err := generate(sampleSpec{Seed: 1, N: tc.n1, Dist: "normal", Scale: 1})
		if err != nil {
			b.Fatal(err)
		}
		y, err := generate(sampleSpec{Seed: 2, N: tc.n2, Dist: "normal", Scale: 1, Shift: 0.02})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n1=%d/n2=%d", tc.n1, tc.n2), func(b *testing.B) {
			for b.Loop() {
				if _, err := KSTwoSample(x, y); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkKSPValueExact times the exact p-value at the largest sizes method 'auto' allows,
// from typical D to D so large the p-value underflows.
func BenchmarkKSPValueExact(b *testing.B) {
	for _, n2 := range []int{10000, 9999} {
		for _, d := range []float64{0.01, 0.03, 0.05, 0.1, 0.3, 0.5} {
			b.Run(fmt.Sprintf("n1=10000/n2=%d/d=%v", n2, d), func(b *testing.B) {
				for b.Loop() {
					if _, method := KSPValue(d, 10000, n2); method != KSExact {
						b.Fatal(method)
					}
				}
			})
		}
	}
}

func BenchmarkKolmogorovSF(b *testing.B) {
	for _, tc := range []struct {
		name string
		n    int
		d    float64
	}{
		{"durbin", 100, 0.05},
		{"pomeranz", 100, 0.15},
		{"smirnov-small-n", 100, 0.3},
		{"pelz-good", 100000, 0.003},
		{"smirnov", 10000, 0.03},
		{"smirnov-large-n", 500000, 0.003},
	} {
		b.Run(fmt.Sprintf("%s/n=%d/d=%v", tc.name, tc.n, tc.d), func(b *testing.B) {
			for b.Loop() {
				KolmogorovSF(tc.d, tc.n)
			}
		})
	}
}

func BenchmarkChiSquareContingency(b *testing.B) {
	for _, k := range []int{2, 10, 50} {
		a := make([]float64, k)
		c := make([]float64, k)
		for i := range a {
			a[i] = float64(100 + 7*i)
			c[i] = float64(120 + 5*i)
		}
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			for b.Loop() {
				if _, err := ChiSquareContingency(a, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBenjaminiHochberg(b *testing.B) {
	r := splitMix64{3}
	p := make([]float64, 1000)
	for i := range p {
		p[i] = r.uniform()
	}
	for b.Loop() {
		BenjaminiHochberg(p)
	}
}
