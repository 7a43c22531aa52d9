package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BinomialSF is P(X >= k) for X ~ Binomial(n, p), scipy.stats.binom.sf(k-1,
// n, p): the chance of at least k successes in n trials. It is the
// regularised incomplete beta I_p(k, n-k+1), which costs the same for any n.
func BinomialSF(k, n int, p float64) float64 {
	switch {
	case math.IsNaN(p) || p < 0 || p > 1 || n < 0:
		return math.NaN()
	case k <= 0:
		return 1
	case k > n:
		return 0
	case p == 0:
		return 0
	case p == 1:
		return 1
	}
	return mathext.RegIncBeta(float64(k), float64(n-k+1), p)
}
