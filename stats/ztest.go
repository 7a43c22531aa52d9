package stats

import (
	"fmt"
	"math"
)

// ZResult is a two-sided two-proportion z-test with pooled variance.
type ZResult struct {
	Statistic float64 // (p1 - p2) / sqrt(p(1-p)(1/n1+1/n2)), p pooled
	PValue    float64 // 2 * norm.sf(|z|)
}

// TwoProportionZ tests successes x1 of n1 against x2 of n2. If the pooled proportion is 0 or 1
// the test is degenerate: Statistic 0, PValue 1 (document it). n1 or n2 <= 0, or x outside
// [0, n] => error.
//
// The degenerate case is when both groups are all failures or all successes: the two
// proportions are then equal, the pooled variance is 0 and z would be 0/0, so the test
// reports no evidence of a difference rather than NaN.
func TwoProportionZ(x1, n1, x2, n2 int) (ZResult, error) {
	if n1 <= 0 || n2 <= 0 {
		return ZResult{}, fmt.Errorf("stats: two-proportion z-test: group sizes must be positive, got n1=%d n2=%d", n1, n2)
	}
	if x1 < 0 || x1 > n1 {
		return ZResult{}, fmt.Errorf("stats: two-proportion z-test: x1=%d outside [0, n1=%d]", x1, n1)
	}
	if x2 < 0 || x2 > n2 {
		return ZResult{}, fmt.Errorf("stats: two-proportion z-test: x2=%d outside [0, n2=%d]", x2, n2)
	}
	if (x1 == 0 && x2 == 0) || (x1 == n1 && x2 == n2) {
		return ZResult{Statistic: 0, PValue: 1}, nil
	}
	fn1, fn2 := float64(n1), float64(n2)
	pooled := (float64(x1) + float64(x2)) / (fn1 + fn2)
	z := (float64(x1)/fn1 - float64(x2)/fn2) / math.Sqrt(pooled*(1-pooled)*(1/fn1+1/fn2))
	return ZResult{Statistic: z, PValue: 2 * NormalSF(math.Abs(z))}, nil
}

// NormalSF is scipy.stats.norm.sf(x), evaluated as cephes' ndtr(-x) is: through erfc away
// from 0, so the upper tail keeps full relative precision down to about 1e-308. Like cephes'
// erfc, it returns exactly 0 once x^2/2 exceeds log(MaxFloat64), i.e. for x > 37.68, where
// scipy returns 0 too.
func NormalSF(x float64) float64 {
	if math.IsNaN(x) {
		return math.NaN()
	}
	t := -x * (1 / math.Sqrt2)
	if math.Abs(t) < 1/math.Sqrt2 {
		return 0.5 + 0.5*math.Erf(t)
	}
	y := 0.0
	if t*t <= maxLog {
		y = 0.5 * math.Erfc(math.Abs(t))
	}
	if t > 0 {
		return 1 - y
	}
	return y
}
