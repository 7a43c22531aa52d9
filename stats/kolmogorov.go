package stats

import "math"

// The finite-n distribution of the two-sided one-sample Kolmogorov statistic
// D_n = sup|F_n - F|, following scipy 1.10.1's scipy/stats/_ksstats.py, which picks among
// exact and approximate methods as Simard & L'Ecuyer recommend ("Computing the Two-Sided
// Kolmogorov-Smirnov Distribution", Journal of Statistical Software 39(11), 2011):
//
//   - Ruben & Gambino's closed forms for D <= 1/n and D >= 1 - 1/n;
//   - 2 * the one-sided Smirnov tail when the two one-sided events cannot overlap (D >= 1/2)
//     or the overlap is negligible (large n*D^2);
//   - Durbin's matrix algorithm (Durbin 1968), evaluated as Marsaglia, Tsang & Wang (2003) do;
//   - Pomeranz's recursion (Pomeranz 1974, ACM Algorithm 487);
//   - Pelz & Good's asymptotic series (Pelz & Good 1976).

const (
	// scale128 keeps long products of probabilities inside the float64 range.
	scale128    = 0x1p128
	scale128Inv = 0x1p-128
	expScale    = 128
)

// KolmogorovSF is scipy.stats.kstwo.sf(d, n): P(D_n >= d) for the two-sided one-sample
// Kolmogorov-Smirnov statistic of a sample of size n. It returns 1 for d <= 0.5/n, 0 for
// d >= 1 and NaN when n < 1 or d is NaN, as scipy does. Where scipy returns exactly 0 by an
// explicit cut-off (n > 140 and n*d^2 >= 370; a Smirnov tail below exp(-745)) this returns 0
// too; where scipy's Smirnov sum underflows term by term to 0 or a subnormal, this returns a
// subnormal or 0, in any case below 1e-300.
func KolmogorovSF(d float64, n int) float64 {
	switch {
	case n < 1 || math.IsNaN(d):
		return math.NaN()
	case d <= 0.5/float64(n):
		return 1
	case d >= 1:
		return 0
	}
	return kolmogorovSF(n, d)
}

// kolmogorovSF is scipy's _kolmogn(n, x, cdf=False) for 0.5/n < x < 1.
func kolmogorovSF(n int, x float64) float64 {
	fn := float64(n)
	t := fn * x
	if t <= 1 {
		// Ruben-Gambino: P(D_n <= x) = n!/n^n (2nx-1)^n for 1/(2n) <= x <= 1/n.
		if t <= 0.5 {
			return 1
		}
		var cdf float64
		if n <= 140 {
			cdf = 1
			for k := 1; k <= n; k++ {
				cdf *= float64(k) * (1 / fn) * (2*t - 1)
			}
		} else {
			cdf = math.Exp(logFactorialOverPower(n) + fn*math.Log(2*t-1))
		}
		return clip01(1 - cdf)
	}
	if t >= fn-1 {
		// Ruben-Gambino: P(D_n >= x) = 2(1-x)^n for x >= 1 - 1/n.
		return clip01(2 * powScaled(ddFromSum(1, -x), n).float())
	}
	if x >= 0.5 {
		// The events D+ >= x and D- >= x are disjoint.
		return clip01(2 * smirnovSF(n, x))
	}
	nxSquared := t * x
	if n <= 140 {
		switch {
		case nxSquared <= 0.754693:
			return clip01(1 - durbinCDF(n, x))
		case nxSquared <= 4:
			return clip01(1 - pomeranzCDF(n, x))
		default:
			return clip01(2 * smirnovSF(n, x))
		}
	}
	switch {
	case nxSquared >= 370:
		return 0
	case nxSquared >= 2.2:
		return clip01(2 * smirnovSF(n, x))
	case n <= 100000 && fn*x*math.Sqrt(x) <= 1.4:
		return clip01(1 - durbinCDF(n, x))
	default:
		return clip01(1 - pelzGoodCDF(n, x))
	}
}

// stirlingCoeffs are B_2j/(2j(2j-1)) for j = 8..1, highest first, as in scipy's
// _STIRLING_COEFFS.
var stirlingCoeffs = [...]float64{
	-2.955065359477124183e-2, 6.4102564102564102564e-3,
	-1.9175269175269175269e-3, 8.4175084175084175084e-4,
	-5.952380952380952381e-4, 7.9365079365079365079e-4,
	-2.7777777777777777778e-3, 8.3333333333333333333e-2,
}

// logFactorialOverPower returns log(n!/n^n) from Stirling's series, with n log n removed
// analytically so nothing cancels.
func logFactorialOverPower(n int) float64 {
	fn := float64(n)
	rn := 1 / fn
	poly := 0.0
	for _, c := range stirlingCoeffs {
		poly = poly*(rn/fn) + c
	}
	return math.Log(fn)/2 - fn + math.Log(2*math.Pi)/2 + rn*poly
}

// durbinCDF returns P(D_n <= d) by Durbin's matrix method: with d = (k-h)/n, the answer is
// n!/n^n times the (k,k) entry of H^n for a (2k-1)x(2k-1) matrix H. Powers are taken by
// squaring, with H rescaled by 2^-128 whenever its central entry grows past 2^128
// (Marsaglia, Tsang & Wang, "Evaluating Kolmogorov's Distribution", JSS 8(18), 2003).
func durbinCDF(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	nd := float64(n) * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1

	// v[j] = (1-h^(j+1))/(j+1)!, w[j] = 1/j!.
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] = (1 - math.Pow(h, float64(j))) * fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac

	H := newSquare(m)
	for c := 1; c < m; c++ {
		for r := c - 1; r < m; r++ {
			H.set(r, c, w[r-c+1])
		}
	}
	for r := 0; r < m; r++ {
		H.set(r, 0, v[r])
	}
	for c := 0; c < m; c++ {
		H.set(m-1, c, v[m-1-c])
	}

	power := identity(m)
	scratch := newSquare(m)
	expnt, hExpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			scratch.product(power, H)
			power, scratch = scratch, power
			expnt += hExpnt
		}
		scratch.product(H, H)
		H, scratch = scratch, H
		hExpnt *= 2
		if math.Abs(H.at(k-1, k-1)) > scale128 {
			H.scale(scale128Inv)
			hExpnt += expScale
		}
	}

	// Multiply by n!/n^n, keeping the running product away from underflow.
	p := power.at(k-1, k-1)
	fn := float64(n)
	for i := 1; i <= n; i++ {
		p = float64(i) * p / fn
		if math.Abs(p) < scale128Inv {
			p *= scale128
			expnt -= expScale
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

// square is a dense row-major square matrix.
type square struct {
	n int
	a []float64
}

func newSquare(n int) square { return square{n, make([]float64, n*n)} }

func identity(n int) square {
	s := newSquare(n)
	for i := 0; i < n; i++ {
		s.a[i*n+i] = 1
	}
	return s
}

func (s square) at(r, c int) float64     { return s.a[r*s.n+c] }
func (s square) set(r, c int, v float64) { s.a[r*s.n+c] = v }

func (s square) scale(f float64) {
	for i := range s.a {
		s.a[i] *= f
	}
}

// product sets s = x*y; s must not share storage with x or y.
func (s square) product(x, y square) {
	n := s.n
	clear(s.a)
	for i := 0; i < n; i++ {
		row := s.a[i*n : (i+1)*n]
		for k := 0; k < n; k++ {
			xik := x.a[i*n+k]
			if xik == 0 {
				continue
			}
			yrow := y.a[k*n : (k+1)*n]
			for j := range row {
				row[j] += xik * yrow[j]
			}
		}
	}
}

// pomeranzCDF returns P(D_n <= x) by Pomeranz's recursion (Pomeranz 1974, as organised in
// Simard & L'Ecuyer 2011 section 2.2): 2n+2 rows, each the convolution of the previous row
// with one of three Poisson-like weight sequences, of which only a short band is non-zero.
func pomeranzCDF(n int, x float64) float64 {
	fn := float64(n)
	t := fn * x
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := math.Min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1)
	// (g/n)^m/m!, (2g/n)^m/m! and ((1-2g)/n)^m/m!.
	gpower := make([]float64, npwrs)
	twoGPower := make([]float64, npwrs)
	oneMinusTwoGPower := make([]float64, npwrs)
	gpower[0], twoGPower[0], oneMinusTwoGPower[0] = 1, 1, 1
	gOverN, twoGOverN, oneMinusTwoGOverN := g/fn, 2*g/fn, (1-2*g)/fn
	for m := 1; m < npwrs; m++ {
		gpower[m] = gpower[m-1] * gOverN / float64(m)
		twoGPower[m] = twoGPower[m-1] * twoGOverN / float64(m)
		oneMinusTwoGPower[m] = oneMinusTwoGPower[m-1] * oneMinusTwoGOverN / float64(m)
	}

	v0 := make([]float64, npwrs)
	v1 := make([]float64, npwrs)
	v1[0] = 1
	v0s, v1s := 0, 0 // row offsets: v0[k] holds entry k+v0s of its row
	expnt := 0
	j1, j2 := pomeranzBounds(0, n, ll, ceilf, roundf)
	for i := 1; i < 2*n+2; i++ {
		k1 := j1
		v0, v1 = v1, v0
		v0s, v1s = v1s, v0s
		clear(v1)
		j1, j2 = pomeranzBounds(i, n, ll, ceilf, roundf)
		pwrs := oneMinusTwoGPower
		switch {
		case i == 1 || i == 2*n+1:
			pwrs = gpower
		case i%2 == 1:
			pwrs = twoGPower
		}
		ln2 := j2 - k1 + 1
		if ln2 <= 0 {
			continue
		}
		// v1[q] = sum_a v0[k1-v0s+a] * pwrs[q+j1-k1-a], the slice of the full
		// convolution that lands inside [j1, j2].
		start := k1 - v0s
		convStart := j1 - k1
		convLen := j2 - j1 + 1
		maxV := 0.0
		for q := 0; q < convLen; q++ {
			idx := q + convStart
			sum := 0.0
			for a := max(0, idx-ln2+1); a <= min(idx, ln2-1); a++ {
				if start+a >= 0 && start+a < len(v0) {
					sum += v0[start+a] * pwrs[idx-a]
				}
			}
			v1[q] = sum
			maxV = math.Max(maxV, sum)
		}
		if maxV > 0 && maxV < scale128Inv {
			for q := range v1 {
				v1[q] *= scale128
			}
			expnt -= expScale
		}
		v1s = v0s + j1 - k1
	}

	// Multiply by n!.
	idx := n - v1s
	if idx < 0 || idx >= len(v1) {
		return 0
	}
	ans := v1[idx]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > scale128 {
			ans *= scale128Inv
			expnt += expScale
		}
		ans *= float64(m)
	}
	if expnt != 0 {
		ans = math.Ldexp(ans, expnt)
	}
	return clip01(ans)
}

// pomeranzBounds returns the first and last non-zero column of row i in Pomeranz's recursion.
func pomeranzBounds(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		half, odd := (i+1)/2, (i+1)%2
		switch {
		case odd == 0 && half == n+1:
			j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
		case odd == 0:
			j1, j2 = half-1-ll-roundf-1, half+ll-1+ceilf-1
		default:
			j1, j2 = half-1-ll-1, half+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// pelzGoodCDF returns the Pelz-Good approximation to P(D_n <= x): Li-Chien and Korolyuk's
// expansion K0 + K1/sqrt(n) + K2/n + K3/n^1.5 in z = x*sqrt(n), with each K rewritten
// through the Jacobi theta functional equation into series that converge fast for small z
// (Pelz & Good, JRSS B 38(2), 1976).
func pelzGoodCDF(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	const (
		piSquared = math.Pi * math.Pi
		piFour    = piSquared * piSquared
		piSix     = piFour * piSquared
		minLogExp = -708
	)
	sqrt2Pi := math.Sqrt(2 * math.Pi)
	fn := float64(n)
	z := math.Sqrt(fn) * x
	z2 := z * z
	z3 := z2 * z
	z4 := z2 * z2
	z6 := z4 * z2
	z8 := z4 * z4

	qlog := -piSquared / 8 / z2
	if qlog < minLogExp {
		return 0
	}
	q := math.Exp(qlog)

	k1a, k1b := -z2, piSquared/4
	k2a := 6*z6 + 2*z4
	k2b := (2*z4 - 5*z2) * piSquared / 4
	k2c := piFour * (1 - 2*z2) / 16
	k3d := piSix * (5 - 30*z2) / 64
	k3c := piFour * (-60*z2 + 212*z4) / 16
	k3b := piSquared * (135*z4 - 96*z6) / 4
	k3a := -30*z6 - 90*z8

	// Horner in q^8 over odd m = 2k-1 of sum c(m) q^(m^2).
	var kk [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k >= 1; k-- {
		m := float64(2*k - 1)
		m2 := m * m
		m4 := m2 * m2
		m6 := m4 * m2
		qpower := math.Pow(q, float64(8*k))
		coeffs := [4]float64{
			1,
			k1a + k1b*m2,
			k2a + k2b*m2 + k2c*m4,
			k3a + k3b*m2 + k3c*m4 + k3d*m6,
		}
		for i := range kk {
			kk[i] = kk[i]*qpower + coeffs[i]
		}
	}
	denoms := [4]float64{z, 6 * z4, 72 * z4 * z3, 6480 * z4 * z6}
	for i := range kk {
		kk[i] = kk[i] * q * sqrt2Pi / denoms[i]
	}

	// The remaining sums over all k >= 1 of (pi k)^2 q^(k^2) for K2 and K3.
	q = math.Exp(-piSquared / 2 / z2)
	sqrt3z := math.Sqrt(3) * z
	var k2extra, k3extra float64
	for k := maxk; k >= 1; k-- {
		fk := float64(k)
		k2 := fk * fk
		qk := math.Pow(q, k2)
		k2extra += k2 * qk
		kpi := math.Pi * fk
		k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk
	}
	kk[2] += k2extra * piSquared * sqrt2Pi / (-36 * z3)
	kk[3] += k3extra * piSquared * sqrt2Pi / (216 * z6)

	sum := 0.0
	for i := range kk {
		sum += kk[i] / math.Pow(fn, float64(i)/2)
	}
	return sum
}
