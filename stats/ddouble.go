package stats

import "math"

// dd is an unevaluated sum hi+lo of two float64 with |lo| <= ulp(hi)/2, about 106 bits of
// precision (Dekker 1971; Hida, Li & Bailey, "Library for double-double and quad-double
// arithmetic", 2007). The Smirnov sum needs it: its terms are products of powers with
// exponents up to n, and float64 powers lose about log2(n) bits.
type dd struct{ hi, lo float64 }

// twoSum returns s and the exact rounding error e of a+b (Knuth).
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

// quickTwoSum is twoSum for |a| >= |b|.
func quickTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return s, e
}

// twoProd returns p and the exact rounding error e of a*b.
func twoProd(a, b float64) (p, e float64) {
	p = a * b
	e = math.FMA(a, b, -p)
	return p, e
}

func ddFromSum(a, b float64) dd {
	s, e := twoSum(a, b)
	return dd{s, e}
}

func (a dd) add(b dd) dd {
	s, e := twoSum(a.hi, b.hi)
	t, f := twoSum(a.lo, b.lo)
	e += t
	s, e = quickTwoSum(s, e)
	e += f
	s, e = quickTwoSum(s, e)
	return dd{s, e}
}

func (a dd) mul(b dd) dd {
	p, e := twoProd(a.hi, b.hi)
	e += a.hi*b.lo + a.lo*b.hi
	p, e = quickTwoSum(p, e)
	return dd{p, e}
}

func (a dd) mulFloat(b float64) dd {
	p, e := twoProd(a.hi, b)
	e += a.lo * b
	p, e = quickTwoSum(p, e)
	return dd{p, e}
}

func (a dd) divFloat(b float64) dd {
	q1 := a.hi / b
	p, e := twoProd(q1, b)
	s, f := twoSum(a.hi, -p)
	f -= e
	f += a.lo
	q2 := (s + f) / b
	q1, q2 = quickTwoSum(q1, q2)
	return dd{q1, q2}
}

// frexp splits a into a mantissa with |hi| in [0.5, 1) and a power of two.
func (a dd) frexp() (dd, int) {
	if a.hi == 0 || math.IsInf(a.hi, 0) || math.IsNaN(a.hi) {
		return a, 0
	}
	hi, e := math.Frexp(a.hi)
	return dd{hi, math.Ldexp(a.lo, -e)}, e
}

// scaled is m * 2^e with m kept near 1, so that binomial coefficients like C(10^6, 5*10^5)
// and powers like (1/2)^(10^6) stay representable.
type scaled struct {
	m dd
	e int
}

func (s scaled) normalize() scaled {
	m, e := s.m.frexp()
	return scaled{m, s.e + e}
}

func (s scaled) mul(t scaled) scaled {
	return scaled{s.m.mul(t.m), s.e + t.e}.normalize()
}

// powScaled returns a^k for a > 0 and k >= 0 by binary powering in double-double,
// renormalising after every product so nothing overflows or underflows.
func powScaled(a dd, k int) scaled {
	result := scaled{dd{1, 0}, 0}
	base := scaled{a, 0}.normalize()
	for k > 0 {
		if k&1 == 1 {
			result = result.mul(base)
		}
		k >>= 1
		if k > 0 {
			base = base.mul(base)
		}
	}
	return result
}

// float returns s as the nearest float64, 0 or a subnormal when it is below the float64 range.
func (s scaled) float() float64 {
	return math.Ldexp(s.m.hi+s.m.lo, s.e)
}
