package stats

import (
	"fmt"
	"math"
	"slices"

	"github.com/warden-ml/warden/internal/fsort"
)

// ksMaxExactN is scipy's MAX_AUTO_N: method 'auto' tries the exact p-value only when both
// samples have at most this many observations.
const ksMaxExactN = 10000

// KS p-value methods, as reported in KSResult.Method.
const (
	KSExact = "exact"
	KSAsymp = "asymp"
)

// KSResult is a two-sided two-sample Kolmogorov-Smirnov test.
type KSResult struct {
	Statistic float64 // D = sup |F1 - F2|, computed with ties exactly as scipy does
	PValue    float64
	Method    string // "exact" or "asymp" (the method actually used, after scipy's fallback)
}

// KSTwoSample is scipy.stats.ks_2samp(x, y, alternative='two-sided', method='auto').
// It sorts copies of its inputs. NaN in input => error. Empty input => error.
//
// As in scipy, when the exact method is used the reported statistic is D rounded to the
// lattice of attainable values, h/lcm(len(x), len(y)). P-values match scipy's to 1e-9
// relative; where scipy's has underflowed to exactly 0, this one is 0 or a subnormal number
// below 1e-300 (see KSPValue).
func KSTwoSample(x, y []float64) (KSResult, error) {
	if err := checkSample("x", x); err != nil {
		return KSResult{}, err
	}
	if err := checkSample("y", y); err != nil {
		return KSResult{}, err
	}
	xs, ys := slices.Clone(x), slices.Clone(y)
	fsort.Sort(xs)
	fsort.Sort(ys)
	return ksTwoSample(xs, ys), nil
}

// KSTwoSampleSorted is KSTwoSample for inputs already sorted ascending (no NaN); it does not
// allocate per element. Used on hot paths where the reference is pre-sorted.
// Unsorted input or NaN => error naming the first offending index.
func KSTwoSampleSorted(x, y []float64) (KSResult, error) {
	if err := checkSorted("x", x); err != nil {
		return KSResult{}, err
	}
	if err := checkSorted("y", y); err != nil {
		return KSResult{}, err
	}
	return ksTwoSample(x, y), nil
}

// KSPValue returns scipy's two-sided p-value for statistic d with sample sizes n1, n2 under
// method 'auto' (exact when max(n1,n2) <= 10000 and the exact computation succeeds,
// otherwise kstwo.sf(d, round(n1*n2/(n1+n2)))), and the method used.
// It returns NaN and "" when n1 or n2 is below 1 or d is outside [0, 1].
//
// Tiny p-values: where scipy returns exactly 0 because of an explicit cut-off (kstwo's
// n*d^2 >= 370 for n > 140, or a Smirnov tail below exp(-745)) this returns exactly 0 too.
// Where scipy's 0 is the result of its arithmetic underflowing (the exact recursion at large
// d, or a Smirnov sum whose terms all underflow), this may instead return a subnormal number
// below 1e-300, because it sums in a scaled representation and rounds once at the end.
func KSPValue(d float64, n1, n2 int) (p float64, method string) {
	if n1 < 1 || n2 < 1 || !(d >= 0 && d <= 1) {
		return math.NaN(), ""
	}
	_, p, method = ksPValue(d, n1, n2)
	return p, method
}

// KSTwoSampleSortedAsymp is scipy.stats.ks_2samp(x, y, method='asymp') for sorted inputs:
// the p-value always comes from the finite-n Kolmogorov distribution at the effective size
// n1*n2/(n1+n2). Streams evaluate windows hundreds of times a second and cannot afford the
// exact method's O(n1*n2) recursion for unequal sizes.
func KSTwoSampleSortedAsymp(x, y []float64) (KSResult, error) {
	if err := checkSorted("x", x); err != nil {
		return KSResult{}, err
	}
	if err := checkSorted("y", y); err != nil {
		return KSResult{}, err
	}
	d := ksStatistic(x, y)
	return KSResult{Statistic: d, PValue: ksAsymp(d, len(x), len(y)), Method: KSAsymp}, nil
}

func ksTwoSample(x, y []float64) KSResult {
	d, p, method := ksPValue(ksStatistic(x, y), len(x), len(y))
	return KSResult{Statistic: d, PValue: p, Method: method}
}

// ksPValue follows ks_2samp's method 'auto' and returns the statistic as scipy reports it.
func ksPValue(d float64, n1, n2 int) (float64, float64, string) {
	if max(n1, n2) <= ksMaxExactN {
		dLattice, p, ok := exactTwoSided(d, n1, n2)
		if ok {
			return dLattice, clip01(p), KSExact
		}
		d = dLattice
	}
	return d, ksAsymp(d, n1, n2), KSAsymp
}

// ksAsymp is Smirnov's asymptotics through the one-sample distribution with the effective
// size n1*n2/(n1+n2), rounded half to even like numpy.
func ksAsymp(d float64, n1, n2 int) float64 {
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := m * n / (m + n)
	return clip01(KolmogorovSF(d, int(math.RoundToEven(en))))
}

// ksStatistic returns max |F_x(v) - F_y(v)| over the pooled values v, with both empirical
// CDFs counting every observation <= v (scipy's searchsorted side='right'), so ties across
// the samples are handled exactly as scipy handles them. x and y are sorted.
func ksStatistic(x, y []float64) float64 {
	n1, n2 := float64(len(x)), float64(len(y))
	i, j := 0, 0
	d := 0.0
	// Once one sample is exhausted its CDF is 1 and the other's only grows, so the
	// difference only shrinks: the maximum is reached inside this loop.
	for i < len(x) && j < len(y) {
		v := min(x[i], y[j])
		for i < len(x) && x[i] == v {
			i++
		}
		for j < len(y) && y[j] == v {
			j++
		}
		d = max(d, math.Abs(float64(i)/n1-float64(j)/n2))
	}
	return d
}

func checkSample(name string, s []float64) error {
	if len(s) == 0 {
		return fmt.Errorf("stats: KS test: sample %s is empty", name)
	}
	for i, v := range s {
		if math.IsNaN(v) {
			return fmt.Errorf("stats: KS test: %s[%d] is NaN", name, i)
		}
	}
	return nil
}

func checkSorted(name string, s []float64) error {
	if err := checkSample(name, s); err != nil {
		return err
	}
	for i := 1; i < len(s); i++ {
		if s[i] < s[i-1] {
			return fmt.Errorf("stats: KS test: %s is not sorted ascending: %s[%d] = %v after %s[%d] = %v",
				name, name, i, s[i], name, i-1, s[i-1])
		}
	}
	return nil
}
