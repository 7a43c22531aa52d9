package stats

import (
	"math"
	"math/big"
	"slices"
	"strings"
	"testing"
)

func TestKSTwoSampleErrors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		x, y    []float64
		sorted  bool
		wantErr string
	}{
		{"empty x", nil, []float64{1}, false, "sample x is empty"},
		{"empty y", []float64{1}, []float64{}, false, "sample y is empty"},
		{"NaN in x", []float64{1, nan, 2}, []float64{1}, false, "x[1] is NaN"},
		{"NaN in y", []float64{1}, []float64{3, 2, nan}, false, "y[2] is NaN"},
		{"sorted: empty", []float64{}, []float64{1}, true, "sample x is empty"},
		{"sorted: NaN first", []float64{nan, 1}, []float64{1}, true, "x[0] is NaN"},
		{"sorted: unsorted x", []float64{1, 3, 2}, []float64{1}, true, "x is not sorted ascending: x[2] = 2 after x[1] = 3"},
		{"sorted: unsorted y", []float64{1}, []float64{5, 4}, true, "y is not sorted ascending: y[1] = 4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fn := KSTwoSample
			if tc.sorted {
				fn = KSTwoSampleSorted
			}
			_, err := fn(tc.x, tc.y)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestKSTwoSampleDoesNotModifyInput(t *testing.T) {
	x := []float64{3, 1, 2}
	y := []float64{0.5, 9, -1, 4}
	xc, yc := slices.Clone(x), slices.Clone(y)
	if _, err := KSTwoSample(x, y); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x, xc) || !slices.Equal(y, yc) {
		t.Fatalf("inputs changed: %v %v", x, y)
	}
}

// The statistics below are worked out by hand from the empirical CDFs at every pooled value.
func TestKSStatisticTies(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name string
		x, y []float64
		want float64
	}{
		// at 1: 1/4-0; at 2: 3/4-3/4; at 3: 1-3/4; at 4: 1-1
		{"ties across samples", []float64{1, 2, 2, 3}, []float64{2, 2, 2, 4}, 0.25},
		{"identical", []float64{1, 2, 3}, []float64{1, 2, 3}, 0},
		{"all tied", []float64{5, 5}, []float64{5, 5, 5}, 0},
		{"disjoint", []float64{1, 2}, []float64{3, 4, 5}, 1},
		// at 0: 1/3-1/2; at 1: 2/3-1/2; at 2: 1-1/2; at 3: 1-1
		{"interleaved", []float64{0, 1, 2}, []float64{0, 3}, 0.5},
		{"infinities", []float64{-inf, 0, inf}, []float64{-inf, -inf, inf}, 1.0 / 3},
		{"signed zeros", []float64{-0.0, 1}, []float64{0.0, 1}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ksStatistic(tc.x, tc.y); math.Abs(got-tc.want) > 1e-15 {
				t.Fatalf("D = %v, want %v", got, tc.want)
			}
			if got := ksStatistic(tc.y, tc.x); math.Abs(got-tc.want) > 1e-15 {
				t.Fatalf("D(y, x) = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestKSPValueExactByEnumeration checks the exact p-values against a census of every
// arrangement of m x's and n y's: under H0 each of the C(m+n, n) orders is equally likely,
// so P(D >= d) is the share of orders whose statistic reaches d.
func TestKSPValueExactByEnumeration(t *testing.T) {
	sizes := [][2]int{{1, 1}, {1, 2}, {2, 2}, {2, 3}, {3, 3}, {1, 7}, {3, 5}, {4, 4}, {4, 6},
		{5, 5}, {6, 6}, {5, 7}, {7, 7}, {8, 5}, {9, 6}, {10, 4}, {8, 8}}
	for _, sz := range sizes {
		m, n := sz[0], sz[1]
		g := gcd(m, n)
		lcm := m / g * n
		// counts[h] = number of orders with D = h/lcm.
		counts := make([]int, lcm+1)
		total := 0
		for mask := 0; mask < 1<<(m+n); mask++ {
			if popcount(mask) != n {
				continue
			}
			total++
			i, j, h := 0, 0, 0
			for step := 0; step < m+n; step++ {
				if mask>>step&1 == 1 {
					j++
				} else {
					i++
				}
				h = max(h, abs(i*(lcm/m)-j*(lcm/n)))
			}
			counts[h]++
		}
		atLeast := 0
		for h := lcm; h >= 1; h-- {
			atLeast += counts[h]
			if counts[h] == 0 {
				continue
			}
			d := float64(h) / float64(lcm)
			want := float64(atLeast) / float64(total)
			got, method := KSPValue(d, m, n)
			if method == KSAsymp {
				// Only scipy's fallback for n1 == n2 may leave the exact path.
				if m != n {
					t.Errorf("m=%d n=%d d=%v: fell back to asymp", m, n, d)
				}
				continue
			}
			if math.Abs(got-want) > 1e-13*want {
				t.Errorf("m=%d n=%d d=%d/%d: p = %.17g, census gives %d/%d = %.17g", m, n, h, lcm, got, atLeast, total, want)
			}
		}
	}
}

// closeOrTiny reports whether got is within rel of want, or both are below 1e-300.
func closeOrTiny(got, want, rel float64) bool {
	if math.Abs(got) < parityFloor && math.Abs(want) < parityFloor {
		return true
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

func popcount(x int) int {
	c := 0
	for ; x != 0; x &= x - 1 {
		c++
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// outsideBandReference is the column recursion of probOutsideBand in its plain form, with
// the division and the operation order of scipy's _compute_outer_prob_inside_method.
func outsideBandReference(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	col := make([]float64, n+1)
	maxj := min(ceilDiv(h, mg), n+1)
	for j := maxj; j <= n; j++ {
		col[j] = 1
	}
	for i := 1; i <= m; i++ {
		minj := min(max(floorDiv(ng*i-h, mg)+1, 0), n)
		maxj = min(ceilDiv(ng*i+h, mg), n+1)
		if maxj <= minj {
			return 1
		}
		val := 1.0
		if minj == 0 {
			val = 0
		}
		for j := minj; j < maxj; j++ {
			val = (col[j]*float64(i) + val*float64(j)) / float64(i+j)
			col[j] = val
		}
	}
	return col[n]
}

// TestProbOutsideBandMatchesPlainRecursion covers the unrolled, zero-skipping recursion,
// including wide bands where most of the lattice underflows to 0.
func TestProbOutsideBandMatchesPlainRecursion(t *testing.T) {
	tests := [][2]int{{2, 1}, {3, 2}, {7, 3}, {10, 9}, {100, 37}, {250, 400}, {999, 1000},
		{1000, 10}, {1200, 800}, {2000, 1999}}
	for _, sz := range tests {
		m, n := sz[0], sz[1]
		g := gcd(m, n)
		lcm := m / g * n
		for _, d := range []float64{0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9, 1} {
			h := max(1, int(math.Round(d*float64(lcm))))
			got := probOutsideBand(m, n, g, h)
			want := outsideBandReference(m, n, g, h)
			if !closeOrTiny(got, want, 1e-13) {
				t.Errorf("m=%d n=%d h=%d: got %.17g, plain recursion %.17g", m, n, h, got, want)
			}
		}
	}
}

func TestProbOutsideSquareFallback(t *testing.T) {
	// scipy's series rounds to 1.0000000000000002 for n=5, h=1: the exact attempt fails
	// and ks_2samp falls back to the asymptotic p-value with the lattice statistic.
	if p := probOutsideSquare(5, 1); p <= 1 {
		t.Fatalf("probOutsideSquare(5, 1) = %.17g, want just above 1", p)
	}
	d, p, ok := exactTwoSided(0.2, 5, 5)
	if ok || d != 0.2 || p <= 1 {
		t.Fatalf("exactTwoSided(0.2, 5, 5) = %v, %v, %v; want a failure", d, p, ok)
	}
	p, method := KSPValue(0.2, 5, 5)
	if method != KSAsymp || p != KolmogorovSF(0.2, 2) {
		t.Fatalf("KSPValue(0.2, 5, 5) = %v, %q; want kstwo.sf(0.2, 2) by asymp", p, method)
	}
}

func TestKSPValueMethodAndInvalid(t *testing.T) {
	tests := []struct {
		d      float64
		n1, n2 int
		method string
	}{
		{0.1, 10000, 10000, KSExact},
		{0.1, 10000, 9999, KSExact},
		{0.1, 10001, 10000, KSAsymp},
		{0.1, 1, 10001, KSAsymp},
		{0.5, 1000000, 3, KSAsymp},
		{0, 5, 7, KSExact},
		{1, 3, 4, KSExact},
		{-0.1, 5, 5, ""},
		{1.1, 5, 5, ""},
		{math.NaN(), 5, 5, ""},
		{0.5, 0, 5, ""},
		{0.5, 5, -1, ""},
	}
	for _, tc := range tests {
		p, method := KSPValue(tc.d, tc.n1, tc.n2)
		if method != tc.method {
			t.Errorf("KSPValue(%v, %d, %d) method = %q, want %q", tc.d, tc.n1, tc.n2, method, tc.method)
		}
		if tc.method == "" && !math.IsNaN(p) {
			t.Errorf("KSPValue(%v, %d, %d) = %v, want NaN", tc.d, tc.n1, tc.n2, p)
		}
		if tc.method != "" && !(p >= 0 && p <= 1) {
			t.Errorf("KSPValue(%v, %d, %d) = %v, outside [0, 1]", tc.d, tc.n1, tc.n2, p)
		}
	}
}

// TestKolmogorovSFClosedForms checks the regimes with closed forms: D_1 = max(U, 1-U) so
// P(D_1 >= d) = 2(1-d); P(D_n >= d) = 2(1-d)^n for d >= 1-1/n; and
// P(D_n <= d) = n!/n^n (2nd-1)^n for 1/(2n) <= d <= 1/n (Ruben & Gambino 1982).
func TestKolmogorovSFClosedForms(t *testing.T) {
	for _, d := range []float64{0.5001, 0.6, 0.75, 0.9, 0.999} {
		if got, want := KolmogorovSF(d, 1), 2*(1-d); math.Abs(got-want) > 1e-15 {
			t.Errorf("n=1 d=%v: %v, want %v", d, got, want)
		}
	}
	for _, n := range []int{2, 3, 10, 50, 200} {
		for _, frac := range []float64{0, 0.3, 0.9} {
			d := 1 - (1-frac)/float64(n)
			want := 2 * math.Pow(1-d, float64(n))
			if got := KolmogorovSF(d, n); math.Abs(got-want) > 1e-13*want {
				t.Errorf("n=%d d=%v: %v, want %v", n, d, got, want)
			}
		}
		for _, frac := range []float64{0.6, 0.8, 1} {
			d := frac / float64(n)
			lf, _ := math.Lgamma(float64(n + 1))
			cdf := math.Exp(lf - float64(n)*math.Log(float64(n)) + float64(n)*math.Log(2*frac-1))
			if got := KolmogorovSF(d, n); math.Abs(got-(1-cdf)) > 1e-12 {
				t.Errorf("n=%d d=%v: %v, want %v", n, d, got, 1-cdf)
			}
		}
	}
	for _, tc := range []struct {
		d    float64
		n    int
		want float64
	}{{0.1, 5, 1}, {0.1, 0, math.NaN()}, {math.NaN(), 5, math.NaN()}, {1, 5, 0}, {2, 5, 0}, {-1, 5, 1}} {
		if got := KolmogorovSF(tc.d, tc.n); !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("KolmogorovSF(%v, %d) = %v, want %v", tc.d, tc.n, got, tc.want)
		}
	}
}

// TestKolmogorovExactMethodsAgree compares the two exact algorithms for small n, Durbin's
// matrix and Pomeranz's recursion, with each other and, for d >= 1/2 where the one-sided
// events are disjoint, with twice the Smirnov tail.
func TestKolmogorovExactMethodsAgree(t *testing.T) {
	for _, n := range []int{2, 3, 5, 10, 40, 100, 140} {
		for _, d := range []float64{0.6 / float64(n), 1.3 / float64(n), 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.8} {
			if d <= 0.5/float64(n) || d >= 1 {
				continue
			}
			// Both return the CDF, so compare absolutely: their SFs cancel near 1.
			durbin, pomeranz := durbinCDF(n, d), pomeranzCDF(n, d)
			if math.Abs(durbin-pomeranz) > 1e-13 {
				t.Errorf("n=%d d=%v: Durbin %.17g, Pomeranz %.17g", n, d, durbin, pomeranz)
			}
			if d >= 0.5 {
				if two := 2 * smirnovSF(n, d); math.Abs(1-durbin-two) > 1e-13 {
					t.Errorf("n=%d d=%v: Durbin sf %.17g, 2*Smirnov %.17g", n, d, 1-durbin, two)
				}
			}
		}
	}
}

// TestSmirnovSFAgainstBigFloat evaluates the Smirnov sum term by term in 256-bit floating
// point and checks the double-double anchors and the float64 recurrence between them.
func TestSmirnovSFAgainstBigFloat(t *testing.T) {
	tests := []struct {
		n int
		x float64
	}{{2, 0.3}, {5, 0.5}, {7, 0.9}, {50, 0.05}, {50, 0.4}, {141, 0.2}, {141, 0.9}, {1000, 0.02},
		{1000, 0.1}, {1000, 0.5}, {3000, 0.03}, {3000, 0.25}}
	if testing.Short() {
		tests = tests[:9]
	}
	for _, tc := range tests {
		want := smirnovBig(tc.n, tc.x)
		if got := smirnovSF(tc.n, tc.x); math.Abs(got-want) > 1e-12*want {
			t.Errorf("smirnovSF(%d, %v) = %.17g, 256-bit sum %.17g", tc.n, tc.x, got, want)
		}
	}
}

func smirnovBig(n int, x float64) float64 {
	const prec = 256
	nf := new(big.Float).SetPrec(prec).SetInt64(int64(n))
	xf := new(big.Float).SetPrec(prec).SetFloat64(x)
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	sum := new(big.Float).SetPrec(prec)
	binom := new(big.Float).SetPrec(prec).SetInt64(1)
	for v := 0; v <= n; v++ {
		vn := new(big.Float).SetPrec(prec).Quo(new(big.Float).SetInt64(int64(v)), nf)
		a := new(big.Float).SetPrec(prec).Add(xf, vn)
		b := new(big.Float).SetPrec(prec).Sub(one, a)
		if b.Sign() <= 0 {
			break
		}
		term := new(big.Float).SetPrec(prec).Mul(binom, bigPow(b, n-v))
		if v == 0 {
			term.Quo(term, a)
		} else {
			term.Mul(term, bigPow(a, v-1))
		}
		sum.Add(sum, term)
		binom.Mul(binom, new(big.Float).SetInt64(int64(n-v)))
		binom.Quo(binom, new(big.Float).SetInt64(int64(v+1)))
	}
	sum.Mul(sum, xf)
	f, _ := sum.Float64()
	return f
}

func bigPow(a *big.Float, k int) *big.Float {
	result := new(big.Float).SetPrec(a.Prec()).SetInt64(1)
	base := new(big.Float).SetPrec(a.Prec()).Set(a)
	for ; k > 0; k >>= 1 {
		if k&1 == 1 {
			result.Mul(result, base)
		}
		base.Mul(base, base)
	}
	return result
}

func TestKSTwoSampleSortedDoesNotAllocatePerElement(t *testing.T) {
	for _, n := range []int{1000, 100000} {
		x := make([]float64, n)
		y := make([]float64, n+1)
		for i := range x {
			x[i] = float64(i)
		}
		for i := range y {
			y[i] = float64(i) + 0.5
		}
		allocs := testing.AllocsPerRun(5, func() {
			if _, err := KSTwoSampleSorted(x, y); err != nil {
				t.Fatal(err)
			}
		})
		// The exact path allocates its work space in two arrays; nothing grows with the input.
		if allocs > 2 {
			t.Errorf("n=%d: %v allocations per call", n, allocs)
		}
	}
}

// method='asymp' is what 'auto' does above 10,000 observations, and below it
// the Kolmogorov distribution at the rounded effective size.
func TestKSTwoSampleSortedAsymp(t *testing.T) {
	sample := func(n int, shift float64) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = float64((i*7919)%n)/float64(n) + shift
		}
		slices.Sort(s)
		return s
	}
	tests := []struct {
		n1, n2 int
		shift  float64
	}{
		{12000, 11000, 0.01}, {20000, 100, 0.1}, {1000, 10000, 0.05}, {100, 100, 0.2}, {3, 7, 0.5},
	}
	for _, tc := range tests {
		x, y := sample(tc.n1, 0), sample(tc.n2, tc.shift)
		got, err := KSTwoSampleSortedAsymp(x, y)
		if err != nil {
			t.Fatal(err)
		}
		if got.Method != KSAsymp {
			t.Errorf("%v: method %q", tc, got.Method)
		}
		auto, _ := KSTwoSampleSorted(x, y)
		if max(tc.n1, tc.n2) > ksMaxExactN && (got.Statistic != auto.Statistic || got.PValue != auto.PValue) {
			t.Errorf("%v: asymp %+v differs from auto %+v above the exact limit", tc, got, auto)
		}
		en := float64(tc.n1) * float64(tc.n2) / float64(tc.n1+tc.n2)
		if want := KolmogorovSF(got.Statistic, int(math.RoundToEven(en))); got.PValue != want {
			t.Errorf("%v: p %v, want kstwo.sf(d, %v) = %v", tc, got.PValue, math.RoundToEven(en), want)
		}
	}
	if _, err := KSTwoSampleSortedAsymp([]float64{2, 1}, []float64{1}); err == nil {
		t.Error("unsorted input accepted")
	}
}
