package fsort

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortMatchesSlicesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gens := map[string]func() float64{
		"normal": r.NormFloat64,
		"ties":   func() float64 { return float64(r.IntN(5)) - 2 },
		"wide":   func() float64 { return math.Ldexp(r.Float64()-0.5, r.IntN(2000)-1000) },
		"specials": func() float64 {
			return []float64{math.Inf(-1), math.Inf(1), math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 0, 1}[r.IntN(7)]
		},
		"constant":  func() float64 { return 3.5 },
		"positive":  func() float64 { return math.Exp(r.NormFloat64()) },
		"subnormal": func() float64 { return math.SmallestNonzeroFloat64 * float64(r.IntN(100)-50) },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 100, radixMin, 50000} {
			v := make([]float64, n)
			for i := range v {
				v[i] = gen()
			}
			want := slices.Clone(v)
			slices.Sort(want)
			Sort(v)
			if !slices.Equal(v, want) {
				t.Fatalf("%s, %d values: not sorted like slices.Sort", name, n)
			}
		}
	}
	// -0 and +0 are equal: both orders are sorted; the radix puts -0 first.
	v := make([]float64, radixMin)
	for i := range v {
		v[i] = math.Copysign(0, float64(i%2)-0.5)
	}
	Sort(v)
	if !slices.IsSorted(v) || !math.Signbit(v[0]) || math.Signbit(v[len(v)-1]) {
		t.Error("signed zeros")
	}
	// NaN falls back to slices.Sort.
	v = make([]float64, radixMin)
	for i := range v {
		v[i] = float64(len(v) - i)
	}
	v[7] = math.NaN()
	Sort(v)
	if !math.IsNaN(v[0]) || !slices.IsSorted(v[1:]) {
		t.Error("NaN")
	}
}

func FuzzSort(f *testing.F) {
	f.Add([]byte{1, 2, 3}, uint16(5000))
	f.Fuzz(func(t *testing.T, seed []byte, n uint16) {
		v := make([]float64, int(n)%20000)
		var s uint64
		for _, b := range seed {
			s = s*131 + uint64(b)
		}
		r := rand.New(rand.NewPCG(s, 7))
		for i := range v {
			v[i] = math.Float64frombits(r.Uint64())
			if math.IsNaN(v[i]) {
				v[i] = float64(r.IntN(3))
			}
		}
		want := slices.Clone(v)
		slices.Sort(want)
		Sort(v)
		for i := range v {
			if v[i] != want[i] {
				t.Fatalf("position %d: %v, want %v", i, v[i], want[i])
			}
		}
	})
}

func BenchmarkSort(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	base := make([]float64, 1_000_000)
	for i := range base {
		base[i] = math.Exp(r.NormFloat64()) * 100
	}
	v := make([]float64, len(base))
	b.Run("radix", func(b *testing.B) {
		for b.Loop() {
			copy(v, base)
			Sort(v)
		}
	})
	b.Run("slices.Sort", func(b *testing.B) {
		for b.Loop() {
			copy(v, base)
			slices.Sort(v)
		}
	})
}
