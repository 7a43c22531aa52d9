package stats

import "math"

const (
	// minLog is cephes' MINLOG, log(2^-1075): exp of anything smaller is 0.
	minLog = -7.451332191019412076235e2
	// maxLog is cephes' MAXLOG, log(2^1024).
	maxLog = 7.09782712893383996843e2
	// smirnovMaxN is scipy's SMIRNOV_MAX_COMPUTE_N: above it scipy switches to an
	// approximation, and so do we, to return what scipy returns.
	smirnovMaxN = 1000000
	// smirnovAnchorEvery is how many terms the cheap float64 recurrence for the power part of
	// a Smirnov term may run before it is recomputed exactly; each step adds a few ulp of
	// error, so 64 steps keep the terms good to ~1e-13.
	smirnovAnchorEvery = 64
)

// smirnovSF is scipy.special.smirnov(n, x) = P(D+_n > x), the survival function of the
// one-sided one-sample Kolmogorov-Smirnov statistic, computed as scipy does (van Mulbregt,
// "Computing the Cumulative Distribution Function and Quantiles of the One-sided
// Kolmogorov-Smirnov Statistic", arXiv:1802.06966) from the Smirnov / Birnbaum-Tingey sum
//
//	P(D+_n > x) = x * sum_{v=0}^{floor(n(1-x))} C(n,v) (x+v/n)^(v-1) (1-x-v/n)^(n-v)
//
// with the same special cases and cut-offs. scipy evaluates every term with double-double
// powers; here a term's power part follows a float64 recurrence from its predecessor and is
// recomputed exactly every smirnovAnchorEvery terms, which keeps the terms within ~1e-13
// while costing one exp and two log1p per term. scipy's alternating "upper" sum, which it
// uses only for x <= 0.5/sqrt(n), is never needed by kolmogorovSF, so it is not implemented:
// the lower sum is valid for every x.
func smirnovSF(n int, x float64) float64 {
	switch {
	case !(n > 0 && x >= 0 && x <= 1):
		return math.NaN()
	case n == 1:
		return 1 - x
	case x == 0:
		return 1
	case x == 1:
		return 0
	}
	nx := ddProduct(float64(n), x)
	nxFloor, alpha := floorFrac(nx)
	if nxFloor == 0 || (nxFloor == 1 && alpha == 0) {
		// x <= 1/n: the CDF is x(1+x)^(n-1).
		cdf := x * powScaled(ddFromSum(1, x), n-1).float()
		return clip01(1 - cdf)
	}
	if -2*float64(n)*x*x < minLog {
		return 0
	}
	if nxFloor >= n-1 {
		return clip01(powScaled(ddFromSum(1, -x), n).float())
	}
	if n > smirnovMaxN {
		// scipy's approximation P ~ exp(-(6nx+1)^2 / 18n).
		t := 6*float64(n)*x + 1
		return clip01(math.Exp(-(t * t) / 18 / float64(n)))
	}
	return clip01(smirnovLowerSum(n, x, nx, n-nxFloor-1))
}

// smirnovLowerSum returns x * sum_{v=0}^{vMax} C(n,v) a_v^(v-1) b_v^(n-v) with
// a_v = (nx+v)/n and b_v = (n-v-nx)/n, stopping early, as scipy does, once the remaining
// terms cannot change the sum.
func smirnovLowerSum(n int, x float64, nx dd, vMax int) float64 {
	binom := scaled{dd{1, 0}, 0} // C(n, v)
	var (
		pm  float64 // power part a_v^(v-1) b_v^(n-v) = pm * 2^pe
		pe  int
		sum scaledSum
	)
	for v := 0; v <= vMax; v++ {
		if v%smirnovAnchorEvery == 0 {
			exact := smirnovPowerPart(n, nx, v)
			pm, pe = exact.m.hi+exact.m.lo, exact.e
		}
		term, termExp := math.Frexp(binom.m.hi * pm)
		termExp += binom.e + pe
		sum.add(term, termExp)
		if v != vMax && sum.negligible(4*float64(vMax+1-v)*term, termExp) {
			break
		}
		if v == vMax {
			break
		}
		// Advance the binomial exactly and the power part by the ratio
		// P_{v+1}/P_v = (nx+v+1)/(n-nx-v) * (1+1/(nx+v))^(v-1) * (1-1/(n-nx-v))^(n-v-1).
		binom = scaled{binom.m.mulFloat(float64(n - v)).divFloat(float64(v + 1)), binom.e}.normalize()
		s := nx.hi + float64(v) + nx.lo
		r := (float64(n-v) - nx.hi) - nx.lo
		logRatio := float64(v-1)*math.Log1p(1/s) + float64(n-v-1)*math.Log1p(-1/r)
		pm *= (s + 1) / r * math.Exp(logRatio)
		var e int
		pm, e = math.Frexp(pm)
		pe += e
	}
	return sum.times(x)
}

// smirnovPowerPart returns a_v^(v-1) b_v^(n-v) exactly (double-double) for the Smirnov sum.
func smirnovPowerPart(n int, nx dd, v int) scaled {
	fn := float64(n)
	a := nx.add(dd{float64(v), 0}).divFloat(fn)
	b := dd{float64(n - v), 0}.add(dd{-nx.hi, -nx.lo}).divFloat(fn)
	pb := powScaled(b, n-v)
	if v == 0 {
		// a^-1: divide by a = x.
		return scaled{pb.m.divFloat(a.hi + a.lo), pb.e}.normalize()
	}
	return pb.mul(powScaled(a, v-1))
}

// ddProduct returns a*b exactly as a double-double.
func ddProduct(a, b float64) dd {
	p, e := twoProd(a, b)
	return dd{p, e}
}

// floorFrac returns floor(a) and the fractional part a - floor(a) of a double-double,
// rounding a fractional part that rounds to 1 up into the integer part, as scipy's modNX does.
func floorFrac(a dd) (int, float64) {
	f := math.Floor(a.hi)
	alpha := (a.hi - f) + a.lo
	if alpha < 0 {
		f--
		alpha += 1
	}
	if alpha >= 1 {
		f++
		alpha = 0
	}
	return int(f), alpha
}

// neumaier is a compensated sum (Neumaier's variant of Kahan summation).
type neumaier struct{ s, c float64 }

func (a *neumaier) add(t float64) {
	s := a.s + t
	if math.Abs(a.s) >= math.Abs(t) {
		a.c += (a.s - s) + t
	} else {
		a.c += (t - s) + a.s
	}
	a.s = s
}

func (a *neumaier) value() float64 { return a.s + a.c }

// scaledSum accumulates positive terms t*2^e of any magnitude, keeping the running sum in
// units of 2^exp of its largest term.
type scaledSum struct {
	sum neumaier
	exp int
	any bool
}

func (a *scaledSum) add(t float64, e int) {
	if t == 0 {
		// A term whose power part underflowed in the recurrence carries a meaningless
		// exponent; rescaling the sum to it would lose the sum.
		return
	}
	if !a.any {
		a.sum, a.exp, a.any = neumaier{t, 0}, e, true
		return
	}
	if e > a.exp {
		a.sum.s = math.Ldexp(a.sum.s, a.exp-e)
		a.sum.c = math.Ldexp(a.sum.c, a.exp-e)
		a.exp = e
	} else {
		t = math.Ldexp(t, e-a.exp)
	}
	a.sum.add(t)
}

// negligible reports whether t*2^e is below machine epsilon relative to the sum.
func (a *scaledSum) negligible(t float64, e int) bool {
	return math.Ldexp(t, e-a.exp) < 0x1p-52*a.sum.value()
}

// times returns the sum multiplied by f, rounded once to float64.
func (a *scaledSum) times(f float64) float64 {
	return math.Ldexp(a.sum.value()*f, a.exp)
}

func clip01(p float64) float64 {
	return math.Min(math.Max(p, 0), 1)
}
