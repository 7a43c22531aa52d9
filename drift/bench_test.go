package drift_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
)

func numericTable(seed uint64, rows, cols int, shift float64) *dataset.Table {
	r := rand.New(rand.NewPCG(seed, 1))
	var cs []*dataset.Column
	for j := range cols {
		cs = append(cs, col(fmt.Sprintf("f%d", j), normals(r, rows, shift*float64(j%2), 1)))
	}
	return table(cs...)
}

func BenchmarkNewProfile(b *testing.B) {
	for _, rows := range []int{10_000, 1_000_000} {
		tab := numericTable(1, rows, 10, 0)
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			for b.Loop() {
				if _, err := drift.NewProfile(tab, drift.ProfileOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompare tests 10 numeric columns of two prepared profiles: the
// work left once the reference profile is saved and the current data read.
func BenchmarkCompare(b *testing.B) {
	for _, rows := range []int{10_000, 1_000_000} {
		ref := profile(b, numericTable(1, rows, 10, 0))
		cur := profile(b, numericTable(2, rows, 10, 0.2))
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			for b.Loop() {
				if _, err := drift.Compare(ref, cur, drift.DefaultOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
