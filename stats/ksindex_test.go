package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The index gives exactly the merge's statistic and the sorted tests'
// results, ties, values beyond the reference's range and infinities included.
func TestKSIndexMatchesMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	gens := map[string]func() float64{
		"normal":     r.NormFloat64,
		"ties":       func() float64 { return float64(r.IntN(7)) },
		"lognormal":  func() float64 { return math.Exp(2 * r.NormFloat64()) },
		"tiny range": func() float64 { return 1 + 1e-12*float64(r.IntN(3)) },
	}
	for name, gen := range gens {
		for _, sizes := range [][2]int{{1, 1}, {5, 3}, {100, 10000}, {1000, 10000}, {10000, 1000}, {37, 2}} {
			y := make([]float64, sizes[1])
			for i := range y {
				y[i] = gen()
			}
			slices.Sort(y)
			k, err := NewKSIndex(y)
			if err != nil {
				t.Fatal(err)
			}
			for trial := range 5 {
				x := make([]float64, sizes[0])
				for i := range x {
					x[i] = gen()*(1+0.3*float64(trial)) + 0.2*float64(trial)
				}
				if trial == 4 && len(x) > 2 {
					x[0], x[1] = math.Inf(-1), math.Inf(1)
				}
				slices.Sort(x)
				if got, want := k.Statistic(x), ksStatistic(x, y); got != want {
					t.Fatalf("%s %v trial %d: statistic %v, merge %v", name, sizes, trial, got, want)
				}
				for _, asymp := range []bool{false, true} {
					got, err := k.Test(x, asymp)
					want, werr := KSTwoSampleSorted(y, x)
					if asymp {
						want, werr = KSTwoSampleSortedAsymp(y, x)
					}
					same := got.Statistic == want.Statistic && got.Method == want.Method &&
						(got.PValue == want.PValue || math.IsNaN(got.PValue) && math.IsNaN(want.PValue))
					if err != nil || werr != nil || !same {
						t.Fatalf("%s %v trial %d asymp %v: %+v %v, want %+v %v", name, sizes, trial, asymp, got, err, want, werr)
					}
				}
			}
		}
	}
}

func TestKSIndexRefusesBadSamples(t *testing.T) {
	for _, y := range [][]float64{nil, {math.NaN()}, {1, math.Inf(1)}, {2, 1}} {
		if _, err := NewKSIndex(y); err == nil {
			t.Errorf("NewKSIndex(%v) accepted", y)
		}
	}
	k, _ := NewKSIndex([]float64{1, 2, 3})
	if _, err := k.Test([]float64{2, 1}, true); err == nil {
		t.Error("an unsorted sample was accepted")
	}
}

func FuzzKSIndex(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{3, 3, 9})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if len(a) == 0 || len(b) == 0 {
			return
		}
		y, x := make([]float64, len(a)), make([]float64, len(b))
		for i, c := range a {
			y[i] = float64(int8(c)) / 3
		}
		for i, c := range b {
			x[i] = float64(int8(c)) / 3
		}
		slices.Sort(y)
		slices.Sort(x)
		k, err := NewKSIndex(y)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := k.Statistic(x), ksStatistic(x, y); got != want {
			t.Fatalf("statistic %v, merge %v", got, want)
		}
	})
}

func BenchmarkKSIndex(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	y, x := make([]float64, 10000), make([]float64, 1000)
	for i := range y {
		y[i] = r.NormFloat64()
	}
	for i := range x {
		x[i] = r.NormFloat64() + 0.1
	}
	slices.Sort(y)
	slices.Sort(x)
	k, _ := NewKSIndex(y)
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			k.Statistic(x)
		}
	})
	b.Run("merge", func(b *testing.B) {
		for b.Loop() {
			ksStatistic(x, y)
		}
	})
}
