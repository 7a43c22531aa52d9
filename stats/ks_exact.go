package stats

import "math"

// The exact null distribution of the two-sided two-sample statistic D_{m,n}, as scipy 1.10.1
// computes it in _attempt_exact_2kssamp. Under H0 the pooled sample's order is a uniformly
// random lattice path from (0,0) to (m,n) (one step right per x, one step up per y), and
// D >= h/lcm(m,n) exactly when the path leaves the band |n*i - m*j| < h*g (Hodges, "The
// Significance Probability of the Smirnov Two-Sample Test", Arkiv for Matematik 3(43), 1958).

// exactTwoSided returns scipy's exact two-sided p-value for statistic d, the statistic rounded
// to the lattice (h/lcm(n1,n2)) that scipy reports, and whether the computation succeeded.
// When it does not, scipy falls back to the asymptotic distribution with the rounded
// statistic.
func exactTwoSided(d float64, n1, n2 int) (dLattice, p float64, ok bool) {
	g := gcd(n1, n2)
	lcm := (n1 / g) * n2
	h := int(math.RoundToEven(d * float64(lcm)))
	dLattice = float64(h) / float64(lcm)
	if h == 0 {
		return dLattice, 1, true
	}
	if n1 == n2 {
		p = probOutsideSquare(n1, h)
	} else {
		p = probOutsideBand(n1, n2, g, h)
	}
	// scipy rejects a probability outside [0, 1]: probOutsideSquare's alternating series
	// can round to just above 1 when h is small, and scipy then uses the asymptotic p-value.
	if !(p >= 0 && p <= 1) {
		return dLattice, p, false
	}
	return dLattice, p, true
}

// probOutsideSquare is P(D_{n,n} >= h/n), from the reflection-principle series
// 2 * sum_k (-1)^(k+1) C(2n, n-kh) / C(2n, n), summed from the smallest term inwards in the
// nested form P = 2 A1 (1 - A2 (1 - A3 (...))) so the alternating signs never cancel
// catastrophically. It repeats scipy's _compute_prob_outside_square operation for operation,
// so its result, including scipy's occasional 1.0000000000000002 that triggers the
// fallback, is bit-identical.
func probOutsideSquare(n, h int) float64 {
	p := 0.0
	for k := n / h; k >= 0; k-- {
		p1 := 1.0
		for j := 0; j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		p = p1 * (1 - p)
	}
	return 2 * p
}

// probOutsideBand is P(D_{m,n} >= h/lcm(m,n)) for m != n: the probability that a uniformly
// random lattice path from (0,0) to (m,n) touches |n*i - m*j| >= h*g.
//
// It runs the column recursion of scipy's _compute_outer_prob_inside_method (Hodges'
// "inside" method, rewritten by Viehmann, "Numerically more stable computation of the
// p-values for the two-sample Kolmogorov-Smirnov test", arXiv:2102.08037, to carry the
// probability of having left the band, so small p-values keep full relative precision),
// but only over the first half of the lattice. The band is symmetric under the reversal
// (i, j) -> (m-i, n-j), and every path crosses from column a = floor((m-1)/2) to column a+1
// exactly once, at some row j, with probability
//
//	w(j) = C(a+j, j) C(m-a-1+n-j, n-j) / C(m+n, n).
//
// Given that crossing, its two halves are independent uniform paths, the second one the
// mirror image of a path from (0,0) to (m-a-1, n-j). So with A(i, j) the probability that a
// path from (0,0) to (i, j) has left the band,
//
//	P = sum_j w(j) [A(a, j) + (1 - A(a, j)) A(m-a-1, n-j)],
//
// a sum of non-negative terms, and only columns 0..m-a-1 (about m/2) are computed. The
// result agrees with scipy's to ~1e-14 relative.
func probOutsideBand(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	// One allocation for the recursion's column and reciprocals and the saved column a.
	buf := make([]float64, 2*(n+1)+m+n+1)
	r := newBandRecursion(m, n, g, h, buf[:n+1], buf[n+1:n+1+m+n+1])
	left := buf[n+1+m+n+1:]
	a := (m - 1) / 2
	b := m - a - 1 // the mirror column: a when m is odd, a+1 when m is even
	for i := 1; i <= a; i++ {
		// An empty column means every path leaves the band; by the symmetry, an empty
		// column in the second half would have an empty mirror in the first.
		if !r.advance(i) {
			return 1
		}
	}
	for j := range left {
		left[j] = r.at(j)
	}
	if b > a && !r.advance(b) {
		return 1
	}

	// w(j) up to a constant, from the exact ratio w(j+1)/w(j) of integers. The weights span
	// hundreds of orders of magnitude and the far tails matter when P is tiny, so they are
	// carried in double-double with a separate exponent.
	weights := make([]scaled, n+1)
	weights[0] = scaled{dd{1, 0}, 0}
	maxExp := 0
	for j := 0; j < n; j++ {
		num := float64(a+j+1) * float64(n-j)
		den := float64(j+1) * float64(m-a-1+n-j)
		w := weights[j]
		weights[j+1] = scaled{w.m.mulFloat(num).divFloat(den), w.e}.normalize()
		maxExp = max(maxExp, weights[j+1].e)
	}
	var pSum, wSum neumaier
	for j, w := range weights {
		wj := math.Ldexp(w.m.hi, w.e-maxExp)
		wSum.add(wj)
		pSum.add(wj * (left[j] + (1-left[j])*r.at(n-j)))
	}
	// A weighted mean of probabilities; rounding must not carry it past 1, where scipy's
	// exact arithmetic never goes.
	return math.Min(pSum.value()/wSum.value(), 1)
}

// bandRecursion computes, one column i at a time, A(i, j): the probability that a uniformly
// random lattice path from (0,0) to (i, j) has touched |ng*i - mg*j| >= h, with
//
//	A(i, j) = (i A(i-1, j) + j A(i, j-1)) / (i + j),   A = 1 outside the band,
//
// the recursion scipy runs, but faster:
//   - the division is replaced by products with a table of 1/(i+j);
//   - two cells are advanced per step, so the loop-carried dependency is one multiply-add
//     per two cells instead of a multiply, an add and a divide per cell;
//   - runs of cells that are exactly 0 in both the previous column and the current one
//     (where no path could have left the band yet, or the probability underflowed) are
//     skipped, since the recursion leaves them 0. For large d that is most of the band.
type bandRecursion struct {
	mg, ng, h, n int
	// col[j] holds A(i, j) for the last column computed, for minj <= j < maxj. Rows above
	// the band in every column so far are still at their initial 1; rows below are stale.
	col        []float64
	inv        []float64 // inv[k] = 1/k
	minj, maxj int
	// col[zeroLo:zeroHi] is known to be all 0.
	zeroLo, zeroHi int
}

// newBandRecursion starts at column 0, where A is 0 inside the band and 1 above it. col and
// inv are its work space, of lengths n+1 and m+n+1.
func newBandRecursion(m, n, g, h int, col, inv []float64) bandRecursion {
	r := bandRecursion{mg: m / g, ng: n / g, h: h, n: n, col: col, inv: inv}
	for k := 1; k <= m+n; k++ {
		r.inv[k] = 1 / float64(k)
	}
	r.maxj = min(ceilDiv(h, r.mg), n+1)
	for j := r.maxj; j <= n; j++ {
		r.col[j] = 1
	}
	r.zeroHi = r.maxj
	return r
}

// at returns A(i, j) for the last column computed.
func (r *bandRecursion) at(j int) float64 {
	if j < r.minj || j >= r.maxj {
		return 1
	}
	return r.col[j]
}

// advance computes column i from column i-1. It reports false if no cell of column i lies
// inside the band.
func (r *bandRecursion) advance(i int) bool {
	col, inv := r.col, r.inv
	minj := min(max(floorDiv(r.ng*i-r.h, r.mg)+1, 0), r.n)
	maxj := min(ceilDiv(r.ng*i+r.h, r.mg), r.n+1)
	r.minj, r.maxj = minj, maxj
	if maxj <= minj {
		return false
	}
	// A(i, minj-1) lies below the band (1), except for the row j = 0 edge (weight 0).
	val := 1.0
	if minj == 0 {
		val = 0
	}
	fi := float64(i)
	nextLo, nextHi := 0, 0
	j := minj
	for j+1 < maxj {
		if val == 0 && col[j] == 0 {
			start := j
			if j >= r.zeroLo && j < r.zeroHi {
				j = r.zeroHi
			}
			for j < maxj && col[j] == 0 {
				j++
			}
			if j-start > nextHi-nextLo {
				nextLo, nextHi = start, j
			}
			continue
		}
		r0, r1 := inv[i+j], inv[i+j+1]
		fj := float64(j)
		e0 := fj * r0
		e1 := (fj + 1) * r1
		a0 := fi * r0 * col[j]
		a1 := fi * r1 * col[j+1]
		v0 := a0 + e0*val
		val = (a1 + e1*a0) + (e1*e0)*val
		col[j] = v0
		col[j+1] = val
		j += 2
	}
	if j < maxj {
		r0 := inv[i+j]
		col[j] = fi*r0*col[j] + float64(j)*r0*val
	}
	r.zeroLo, r.zeroHi = nextLo, nextHi
	return true
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int) int {
	return -floorDiv(-a, b)
}
