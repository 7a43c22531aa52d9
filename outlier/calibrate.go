package outlier

import (
	"math"
	"slices"
	"sort"
)

// calibration turns a raw score into a conformal p-value: the share of
// held-out reference rows scoring at least as high, (1 + #{s ≥ x})/(n + 1).
// Beyond the highest held-out score the p-value keeps falling exponentially
// (a generalised Pareto tail with shape 0, scale fitted to the top held-out
// scores), so inputs more extreme than anything held out still rank and can
// be flagged at false-positive rates below 1/(n+1).
type calibration struct {
	sorted []float64 // held-out raw scores, ascending
	scale  float64   // exponential tail scale beyond sorted[n-1]
}

// tailShare is the share of the highest held-out scores whose mean excess sets
// the tail scale; at least minTail scores are used.
const (
	tailShare = 0.05
	minTail   = 10
)

// newCalibration takes ownership of scores. unit is the tail scale to use
// when the top held-out scores do not differ (rule-based scores that are 0
// for almost every row).
func newCalibration(scores []float64, unit float64) calibration {
	slices.Sort(scores)
	n := len(scores)
	k := min(max(minTail, int(tailShare*float64(n))), n-1)
	scale := 0.0
	if k > 0 {
		u := scores[n-1-k]
		for _, s := range scores[n-k:] {
			scale += s - u
		}
		scale /= float64(k)
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		scale = unit
	}
	return calibration{sorted: scores, scale: scale}
}

// pvalue is the calibrated p-value of raw score x, in (0, 1].
func (c *calibration) pvalue(x float64) float64 {
	n := len(c.sorted)
	if math.IsNaN(x) {
		return 1
	}
	if x > c.sorted[n-1] {
		return math.Exp(-(x-c.sorted[n-1])/c.scale) / float64(n+1)
	}
	at := sort.SearchFloat64s(c.sorted, x) // first index with sorted[i] >= x
	return float64(1+n-at) / float64(n+1)
}

// limit is the smallest raw score whose p-value is at most p.
func (c *calibration) limit(p float64) float64 {
	n := len(c.sorted)
	// (1 + n - at)/(n + 1) <= p  <=>  at >= n + 1 - p(n+1)
	at := int(math.Ceil(float64(n+1) - p*float64(n+1)))
	if at <= n-1 {
		if at < 0 {
			at = 0
		}
		// Any score above sorted[at-1] leaves at least `at` rows below it.
		if at == 0 {
			return math.Inf(-1)
		}
		return math.Nextafter(c.sorted[at-1], math.Inf(1))
	}
	top := math.Nextafter(c.sorted[n-1], math.Inf(1))
	return max(top, c.sorted[n-1]+c.scale*math.Log(1/(p*float64(n+1))))
}
