package drift

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Merging sorted runs sorts, whatever the runs' number and lengths.
func TestMergeRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	var tmp []float64
	for trial := range 200 {
		k := 1 + r.IntN(12)
		var v []float64
		var runs []int
		for range k {
			n := r.IntN(30)
			if trial%7 == 0 {
				n = 0
			}
			run := make([]float64, n)
			for i := range run {
				run[i] = float64(r.IntN(20)) / 4
			}
			slices.Sort(run)
			v = append(v, run...)
			runs = append(runs, n)
		}
		want := slices.Sorted(slices.Values(v))
		tmp = mergeRuns(v, runs, tmp)
		if !slices.Equal(v, want) {
			t.Fatalf("trial %d: runs %v merged to %v, want %v", trial, runs, v, want)
		}
	}
}
