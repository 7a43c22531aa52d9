package iforest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// The reference workload: 10^5 rows of 20 features, 100 trees of 256 rows.
const benchRows, benchCols = 100_000, 20

var benchData = sync.OnceValue(func() Matrix { return gaussian(99, benchRows, benchCols) })

func BenchmarkFit(b *testing.B) {
	X := benchData()
	for _, extended := range []bool{false, true} {
		for _, workers := range []int{1, 0} {
			name := fmt.Sprintf("extended=%v/workers=%d", extended, workers)
			if workers == 0 {
				name = fmt.Sprintf("extended=%v/workers=all(%d)", extended, runtime.GOMAXPROCS(0))
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					if _, err := Fit(X, Options{Seed: 1, Workers: workers, Extended: extended}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/fit")
			})
		}
	}
}

func BenchmarkScore(b *testing.B) {
	X := benchData()
	for _, extended := range []bool{false, true} {
		b.Run(fmt.Sprintf("extended=%v", extended), func(b *testing.B) {
			f := mustFit(b, X, Options{Seed: 1, Extended: extended})
			var sink float64
			i := 0
			for b.Loop() {
				sink += f.Score(X.Row(i))
				i = (i + 7919) % X.Rows
			}
			if sink == 0 {
				b.Fatal("no scores")
			}
		})
	}
}

func BenchmarkScoreBatch(b *testing.B) {
	X := benchData()
	out := make([]float64, X.Rows)
	for _, extended := range []bool{false, true} {
		f := mustFit(b, X, Options{Seed: 1, Extended: extended})
		for _, workers := range []int{1, 0} {
			name := fmt.Sprintf("extended=%v/workers=%d", extended, workers)
			if workers == 0 {
				name = fmt.Sprintf("extended=%v/workers=all(%d)", extended, runtime.GOMAXPROCS(0))
			}
			b.Run(name, func(b *testing.B) {
				f.SetWorkers(workers)
				for b.Loop() {
					f.ScoreBatch(X, out)
				}
				b.ReportMetric(float64(X.Rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

func BenchmarkContributions(b *testing.B) {
	X := benchData()
	f := mustFit(b, X, Options{Seed: 1})
	out := make([]float64, X.Cols)
	i := 0
	for b.Loop() {
		f.Contributions(X.Row(i), out)
		i = (i + 7919) % X.Rows
	}
}

func BenchmarkMarshalBinary(b *testing.B) {
	f := mustFit(b, benchData(), Options{Seed: 1})
	data, err := f.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		var g Forest
		for b.Loop() {
			if err := g.UnmarshalBinary(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
