package stats

import (
	"cmp"
	"math"
	"slices"
)

// BenjaminiHochberg returns Benjamini-Hochberg adjusted p-values (same order as input), equal
// to statsmodels' multipletests(method='fdr_bh') and scipy >= 1.11's
// false_discovery_control: p_(i) * m / i, made monotone from the largest rank down, capped
// at 1. NaN inputs stay NaN and do not count in m.
func BenjaminiHochberg(p []float64) []float64 {
	out := make([]float64, len(p))
	idx := make([]int, 0, len(p))
	for i, v := range p {
		out[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	// Ties take the same adjusted value whatever their order, so sort order among them
	// does not matter; the index tie-break only makes the sort deterministic.
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(p[a], p[b]), cmp.Compare(a, b))
	})
	m := float64(len(idx))
	running := 1.0
	for rank := len(idx); rank >= 1; rank-- {
		i := idx[rank-1]
		running = math.Min(running, p[i]*m/float64(rank))
		out[i] = running
	}
	return out
}

// Bonferroni returns min(1, p*m); NaN stays NaN and does not count in m.
func Bonferroni(p []float64) []float64 {
	m := 0
	for _, v := range p {
		if !math.IsNaN(v) {
			m++
		}
	}
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = math.Min(1, v*float64(m))
		if math.IsNaN(v) {
			out[i] = math.NaN()
		}
	}
	return out
}
