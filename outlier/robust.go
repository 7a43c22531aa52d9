package outlier

import (
	"math"
	"slices"

	"github.com/warden-ml/warden/internal/fsort"
)

// quantileSorted is the type-7 (linear interpolation) quantile of sorted
// values, the default of R and numpy.
func quantileSorted(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := q * float64(n-1)
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	if lo < 0 {
		return sorted[0]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// marginal is what the reference says about one numeric feature.
type marginal struct {
	median float64
	// scale is a robust spread: IQR/1.349 (the standard deviation for
	// Gaussian data), else a winsorised standard deviation for features
	// that are constant in more than half the rows, else 0 (constant).
	scale  float64
	lo, hi float64 // range check bounds
	// above and below are the fit rows' excesses beyond hi and lo, so that
	// an excess is judged against this feature's own tail: a bounded
	// feature (an hour) that never leaves its range is surprising at a
	// small excess, a heavy-tailed one (an amount) only at a large one.
	above, below tail
	count        int // finite fit values
	// shape symmetrises a skewed feature for the Mahalanobis distance.
	shape symmetriser
}

// tail holds the positive excesses of fit rows beyond a range bound, in
// robust scales, ascending, and the exponential scale that extends them.
type tail struct {
	excess []float64
	scale  float64
}

// minTailFit is the number of excesses needed to fit a tail scale; with
// fewer, one robust scale is used.
const minTailFit = 5

func newTail(excess []float64) tail {
	fsort.Sort(excess)
	t := tail{excess: excess, scale: 1}
	if len(excess) >= minTailFit {
		var sum float64
		for _, e := range excess {
			sum += e
		}
		if mean := sum / float64(len(excess)); mean > 0 && !math.IsInf(mean, 0) {
			t.scale = mean
		}
	}
	return t
}

// pvalue is the share of the count fit values with an excess of at least e
// (e > 0), extended exponentially beyond the largest.
func (t *tail) pvalue(e float64, count int) float64 {
	n := len(t.excess)
	if n == 0 || e > t.excess[n-1] {
		top := 0.0
		if n > 0 {
			top = t.excess[n-1]
		}
		return math.Exp(-(e-top)/t.scale) / float64(count+1)
	}
	at, _ := slices.BinarySearch(t.excess, e)
	return float64(1+n-at) / float64(count+1)
}

// fitMarginal learns a feature's median, robust scale and range bounds from
// its finite values (sorted in place).
func fitMarginal(values []float64, margin float64) marginal {
	fsort.Sort(values)
	q := func(p float64) float64 { return quantileSorted(values, p) }
	m := marginal{median: q(0.5)}
	iqr := q(0.75) - q(0.25)
	switch {
	case iqr > 0:
		m.scale = iqr / 1.349
	default:
		// Sparse or mostly constant features: the spread of the values
		// clipped to [q1%, q99%] ignores a few wild values yet still sees the
		// minority of rows that differ from the mode.
		m.scale = winsorisedStd(values, q(0.01), q(0.99))
		if m.scale == 0 {
			m.scale = winsorisedStd(values, values[0], values[len(values)-1])
		}
	}
	// The margin is in interquartile ranges; for features without one, the
	// scale's Gaussian-equivalent IQR stands in.
	width := margin * 1.349 * m.scale
	m.lo = q(0.005) - width
	m.hi = q(0.995) + width
	m.count = len(values)
	unit := m.unit()
	var above, below []float64
	for _, v := range values {
		switch {
		case v > m.hi:
			above = append(above, (v-m.hi)/unit)
		case v < m.lo:
			below = append(below, (m.lo-v)/unit)
		}
	}
	m.above, m.below = newTail(above), newTail(below)
	return m
}

// unit is the scale range excesses are measured in: the robust scale, or
// 1 for a feature that is constant in the reference.
func (m *marginal) unit() float64 {
	if m.scale == 0 {
		return 1
	}
	return m.scale
}

// surprise is -ln of the one-sided p-value of v beyond the range; 0 inside
// the range or missing.
func (m *marginal) surprise(v float64) float64 {
	switch {
	case v > m.hi:
		return -math.Log(m.above.pvalue((v-m.hi)/m.unit(), m.count))
	case v < m.lo:
		return -math.Log(m.below.pvalue((m.lo-v)/m.unit(), m.count))
	}
	return 0
}

func winsorisedStd(values []float64, lo, hi float64) float64 {
	var sum, sum2 float64
	for _, v := range values {
		v = min(max(v, lo), hi)
		sum += v
	}
	mean := sum / float64(len(values))
	for _, v := range values {
		d := min(max(v, lo), hi) - mean
		sum2 += d * d
	}
	return math.Sqrt(sum2 / float64(len(values)))
}

// chi2Quantile approximates the q quantile of the chi-square distribution
// with k degrees of freedom (Wilson-Hilferty cube-root approximation).
func chi2Quantile(k int, q float64) float64 {
	kf := float64(k)
	z := normalQuantile(q)
	a := 2 / (9 * kf)
	c := 1 - a + z*math.Sqrt(a)
	return kf * c * c * c
}

// normalQuantile is the standard normal quantile function.
func normalQuantile(q float64) float64 {
	return -math.Sqrt2 * math.Erfcinv(2*q)
}

// splitmix64 is a stateless hash of a counter (Steele, Lea and Flood's
// SplitMix64 finaliser); it gives every row a reproducible uniform draw that
// does not depend on the order rows are visited in.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
