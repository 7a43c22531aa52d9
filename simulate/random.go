package simulate

import (
	"math"
	"math/rand/v2"
)

// Stream identifiers: each purpose draws from its own PCG stream, so that one
// consumer taking more or fewer numbers never shifts what another one sees.
const (
	streamReference uint64 = iota + 1
	streamFeatures
	streamArrivals
	streamDriftBase = 1 << 32 // plus a hash of the drift
)

// newStream returns the random stream of the given purpose for a seed.
func newStream(seed, stream uint64) *rand.Rand {
	hi := splitMix64(seed ^ splitMix64(stream))
	return rand.New(rand.NewPCG(hi, splitMix64(hi)))
}

// splitMix64 is the SplitMix64 finaliser (Steele, Lea and Flood, 2014): it
// spreads nearby seeds over the whole 64-bit range.
func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// logNormal draws a log-normal value with the given median and log-scale sigma.
func logNormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// gamma draws from Gamma(shape, scale) by Marsaglia and Tsang's method ("A
// simple method for generating gamma variables", 2000), boosting shapes
// below one with Gamma(a) = Gamma(a+1)·U^(1/a).
func gamma(r *rand.Rand, shape, scale float64) float64 {
	if shape < 1 {
		return gamma(r, shape+1, scale) * math.Pow(r.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v * scale
		}
	}
}

// negBinomial draws a count with the given mean and dispersion r (variance
// mean + mean²/r) as a gamma-mixed Poisson.
func negBinomial(r *rand.Rand, mean, dispersion float64) int {
	return poisson(r, gamma(r, dispersion, mean/dispersion))
}

// poisson draws a Poisson count: by inversion for small means, by Hörmann's
// transformed rejection with squeeze ("The transformed rejection method for
// generating Poisson random variables", PTRS, 1993) for larger ones, where
// inversion would walk too far.
func poisson(r *rand.Rand, lambda float64) int {
	if lambda < 10 {
		u := r.Float64()
		p := math.Exp(-lambda)
		cdf := p
		k := 0
		// The bound stops the walk where rounding keeps cdf just below u.
		for u > cdf && k < 200 {
			k++
			p *= lambda / float64(k)
			cdf += p
		}
		return k
	}
	sqrtLambda := math.Sqrt(lambda)
	logLambda := math.Log(lambda)
	b := 0.931 + 2.53*sqrtLambda
	a := -0.059 + 0.02483*b
	invAlpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lambda + 0.43)
		if us >= 0.07 && v <= vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invAlpha)-math.Log(a/(us*us)+b) <= -lambda+k*logLambda-lg {
			return int(k)
		}
	}
}

// pick draws an index from cumulative weights that end at 1.
func pick(r *rand.Rand, cumulative []float64) int {
	u := r.Float64()
	for i, c := range cumulative {
		if u < c {
			return i
		}
	}
	return len(cumulative) - 1
}

// cumulate turns weights into cumulative shares ending exactly at 1.
func cumulate(weights []float64) []float64 {
	var total float64
	for _, w := range weights {
		total += w
	}
	out := make([]float64, len(weights))
	var sum float64
	for i, w := range weights {
		sum += w
		out[i] = sum / total
	}
	out[len(out)-1] = 1
	return out
}
