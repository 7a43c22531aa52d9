package outlier

import "math"

// maxQuartileSkew is the quartile (Bowley) skewness beyond which a feature
// is symmetrised for the second Mahalanobis distance: at 0.2 the long
// side's quartile lies 1.5 times as far from the median as the short
// side's, as in a log-normal feature with σ ≈ 0.6. A symmetric feature's
// sample skewness exceeds it in about 1% of references of 300 fitting rows
// (13% of 100), and a needless transform costs little: the first distance
// is kept.
const maxQuartileSkew = 0.2

// symmetriser maps a robustly scaled value u of a feature whose body is
// skewed into the space of the second Mahalanobis distance. The distance
// models the reference as an ellipsoid, as if every feature were symmetric
// about its centre; the long tail of a skewed feature, which the covariance
// of the central rows does not cover, gives ordinary rows large distances
// and raises the calibrated threshold until rows that only break the
// correlations between features pass.
//
// With the feature's long side made positive (v = sign·u) the transform is
// a shifted logarithm, log(1 + v/b), whose shift b makes the quartiles
// symmetric about the median (the three-parameter log-normal fitted to the
// quartiles): it is 0 at the median, monotone, and tends to the identity as
// the skewness vanishes. Below the short side's quartile (knee) it goes on
// along its tangent, so it is defined for every value, and on the long side
// it grows without bound, so a value far beyond the reference stays beyond
// it (a bounded transform, such as normal scores, would cap the extreme
// values that are many outliers' only sign). A zero sign leaves u as it is.
type symmetriser struct {
	sign  float64 // +1 for a long right side, -1 for a long left one, 0 off
	b     float64 // shift of the logarithm, in robust scales
	knee  float64 // the short side's quartile in v (negative)
	scale float64 // the transformed interquartile range / 1.349
}

// fitSymmetriser learns the transform of a numeric feature from its sorted
// finite fitting values and their median and robust scale. It leaves alone
// features with a mild quartile skewness, and those with a quartile equal
// to the median (booleans, counts and other features with a spike of ties),
// whose skewness no monotone transform changes.
func fitSymmetriser(sorted []float64, median, scale float64) symmetriser {
	q25, q75 := quantileSorted(sorted, 0.25), quantileSorted(sorted, 0.75)
	if !(q25 < median && median < q75 && scale > 0) {
		return symmetriser{}
	}
	short, long := (median-q25)/scale, (q75-median)/scale
	t := symmetriser{sign: 1}
	if short > long {
		t.sign, short, long = -1, long, short
	}
	if (long-short)/(long+short) <= maxQuartileSkew {
		return symmetriser{}
	}
	// log(1+long/b) = -log(1-short/b) gives b = long·short/(long-short),
	// which exceeds short, so the knee lies inside the logarithm's domain
	// (unless rounding says otherwise for an extreme skewness).
	t.b = long * short / (long - short)
	t.knee = -short
	t.scale = (t.log(long) - t.log(t.knee)) / 1.349
	if !t.valid() {
		return symmetriser{}
	}
	return t
}

// log is the transform of v before rescaling.
func (t *symmetriser) log(v float64) float64 {
	if v >= t.knee {
		return math.Log1p(v / t.b)
	}
	return math.Log1p(t.knee/t.b) + (v-t.knee)/(t.b+t.knee)
}

// apply maps a robustly scaled value into the second distance's space.
func (t *symmetriser) apply(u float64) float64 {
	if t.sign == 0 {
		return u
	}
	return min(max(t.sign*t.log(t.sign*u)/t.scale, -clampScaled), clampScaled)
}

// valid reports whether decoded parameters describe a transform.
func (t *symmetriser) valid() bool {
	switch {
	case t.sign == 0:
		return t.b == 0 && t.knee == 0 && t.scale == 0
	case t.sign != 1 && t.sign != -1:
		return false
	}
	return t.b > 0 && !math.IsInf(t.b, 0) && t.knee < 0 && -t.knee < t.b && t.scale > 0 && !math.IsInf(t.scale, 0)
}
