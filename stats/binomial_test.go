package stats

import (
	"math"
	"math/big"
	"testing"
)

// binomialTailExact sums the probabilities of k..n successes in big floats.
func binomialTailExact(k, n int, p float64) float64 {
	const prec = 256
	bp := new(big.Float).SetPrec(prec).SetFloat64(p)
	bq := new(big.Float).SetPrec(prec).Sub(big.NewFloat(1).SetPrec(prec), bp)
	sum := new(big.Float).SetPrec(prec)
	for i := k; i <= n; i++ {
		term := new(big.Float).SetPrec(prec).SetInt(new(big.Int).Binomial(int64(n), int64(i)))
		for range i {
			term.Mul(term, bp)
		}
		for range n - i {
			term.Mul(term, bq)
		}
		sum.Add(sum, term)
	}
	f, _ := sum.Float64()
	return f
}

func TestBinomialSF(t *testing.T) {
	tests := []struct {
		k, n int
		p    float64
	}{
		{1, 1, 0.5}, {3, 10, 0.005}, {5, 100, 0.005}, {6, 100, 0.005}, {50, 100, 0.5},
		{2, 400, 0.001}, {20, 60, 0.01}, {60, 60, 0.3}, {1, 200, 0.2},
	}
	for _, tc := range tests {
		got, want := BinomialSF(tc.k, tc.n, tc.p), binomialTailExact(tc.k, tc.n, tc.p)
		if math.Abs(got-want) > 1e-10*want {
			t.Errorf("BinomialSF(%d, %d, %g) = %g, want %g", tc.k, tc.n, tc.p, got, want)
		}
	}
	edges := []struct {
		k, n int
		p    float64
		want float64
	}{
		{0, 10, 0.3, 1}, {-1, 10, 0.3, 1}, {11, 10, 0.3, 0}, {3, 10, 0, 0}, {3, 10, 1, 1},
	}
	for _, tc := range edges {
		if got := BinomialSF(tc.k, tc.n, tc.p); got != tc.want {
			t.Errorf("BinomialSF(%d, %d, %g) = %g, want %g", tc.k, tc.n, tc.p, got, tc.want)
		}
	}
	for _, bad := range []float64{math.NaN(), -0.1, 1.1} {
		if got := BinomialSF(1, 10, bad); !math.IsNaN(got) {
			t.Errorf("BinomialSF(1, 10, %g) = %g, want NaN", bad, got)
		}
	}
}
