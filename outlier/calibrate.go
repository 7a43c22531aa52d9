package outlier

import (
	"math"
	"sort"

	"github.com/warden-ml/warden/internal/fsort"
)

// calibration turns a raw score into a p-value from held-out reference
// rows. At a held-out score v the p-value is the conformal one,
// (1 + #{s ≥ v})/(n + 1); between two consecutive distinct held-out scores it
// is interpolated linearly. A step function would give every input between
// two held-out scores the same p-value, so that, with a few hundred held-out
// rows, most inputs would tie and the combination of several detectors
// would lose their ranking; the interpolated p-value keeps it and is never
// below the conformal one. Beyond the highest held-out score the p-value
// keeps falling exponentially (a generalised Pareto tail with shape 0, scale
// fitted to the top held-out scores), so inputs more extreme than anything
// held out still rank and can be flagged at false-positive rates below
// 1/(n+1).
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
	fsort.Sort(scores)
	return calibration{sorted: scores, scale: tailScale(scores, unit)}
}

// tailScale is the mean excess of the top scores of sorted over the next
// one, or unit when that is not a positive number.
func tailScale(sorted []float64, unit float64) float64 {
	n := len(sorted)
	k := min(max(minTail, int(tailShare*float64(n))), n-1)
	scale := 0.0
	if k > 0 {
		u := sorted[n-1-k]
		for _, s := range sorted[n-k:] {
			scale += s - u
		}
		scale /= float64(k)
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		scale = unit
	}
	return scale
}

// first is the index of the first held-out score equal to sorted[i].
func (c *calibration) first(i int) int {
	return sort.SearchFloat64s(c.sorted[:i], c.sorted[i])
}

// step is the conformal p-value at the held-out score whose first index is at.
func (c *calibration) step(at int) float64 {
	n := len(c.sorted)
	return float64(1+n-at) / float64(n+1)
}

// pvalue is the calibrated p-value of raw score x, in [0, 1].
func (c *calibration) pvalue(x float64) float64 {
	n := len(c.sorted)
	if math.IsNaN(x) {
		return 1
	}
	top := c.sorted[n-1]
	if x > top {
		return math.Exp(-(x-top)/c.scale) / float64(n+1)
	}
	at := sort.SearchFloat64s(c.sorted, x) // first index with sorted[i] >= x
	p := c.step(at)
	if at == 0 || c.sorted[at] == x {
		return p
	}
	lo, hi := c.sorted[at-1], c.sorted[at]
	prev := c.step(c.first(at - 1))
	return prev + (x-lo)/(hi-lo)*(p-prev)
}

// surprise is -ln pvalue(x), computed directly beyond the highest held-out
// score so that it stays finite where the p-value underflows.
func (c *calibration) surprise(x float64) float64 {
	n := len(c.sorted)
	if top := c.sorted[n-1]; x > top {
		return (x-top)/c.scale + math.Log(float64(n+1))
	}
	return -math.Log(c.pvalue(x))
}

// heldOut is the surprise, -ln p, of x, one of the held-out scores, against
// the other held-out scores: the p-value pvalue would give x had its row not
// been held out (unit as for newCalibration).
//
// Scored against a calibration that includes it, a held-out row is never
// beyond the highest held-out score, so its p-value is at least 2/(n+1),
// where a new input's falls below 1/(n+1) as soon as it passes that score.
// A calibration of statistics built from such p-values, like the final one,
// would then take the held-out rows for less extreme than new inputs drawn
// like them: with about 200 held-out rows, an input beyond the highest
// held-out score of any one detector was beyond every held-out statistic,
// and 1.44% of cardio's inliers were flagged at FPR 0.5% (docs/detection.md,
// "Small references"). Left out of its own calibration, a held-out row is
// scored as a new input would be, with n-1 rows in place of n.
func (c *calibration) heldOut(x, unit float64) float64 {
	n := len(c.sorted)
	if math.IsNaN(x) || n < 2 {
		return 0
	}
	at := sort.SearchFloat64s(c.sorted, x) // x's first copy
	if at == n || c.sorted[at] != x {
		return c.surprise(x) // not a held-out score; never the case
	}
	m := float64(n) // the others and x
	switch {
	case at+1 < n && c.sorted[at+1] == x:
		// Another copy of x stays: the conformal value at x among the
		// others, with n-at-1 of them at least as high.
		return -math.Log(float64(n-at) / m)
	case at == n-1:
		// Beyond the others: their exponential tail.
		top := c.sorted[n-2]
		return (x-top)/tailScale(c.sorted[:n-1], unit) + math.Log(m)
	case at == 0:
		return 0
	}
	// Between the others' neighbours lo and hi, interpolated as by pvalue;
	// hi has index at among the others.
	lo, hi := c.sorted[at-1], c.sorted[at+1]
	prev := float64(n-c.first(at-1)) / m
	next := float64(n-at) / m
	return -math.Log(prev + (x-lo)/(hi-lo)*(next-prev))
}

// limit is the smallest raw score whose p-value is at most p.
func (c *calibration) limit(p float64) float64 {
	n := len(c.sorted)
	if p >= 1 {
		return math.Inf(-1)
	}
	// The first held-out score (by first index) whose step is at most p:
	// (1 + n - at)/(n + 1) <= p  <=>  at >= (n + 1)(1 - p).
	at := max(0, int(math.Ceil(float64(n+1)*(1-p))))
	for at < n && at > 0 && c.sorted[at] == c.sorted[at-1] {
		at++
	}
	top := c.sorted[n-1]
	if at >= n {
		// Between the step at the top score and 1/(n+1) just above it,
		// anything above the top score is the limit.
		return max(math.Nextafter(top, math.Inf(1)), top+c.scale*math.Log(1/(p*float64(n+1))))
	}
	if at == 0 {
		return math.Inf(-1)
	}
	lo, hi := c.sorted[at-1], c.sorted[at]
	prev, next := c.step(c.first(at-1)), c.step(at)
	return lo + (prev-p)/(prev-next)*(hi-lo)
}
