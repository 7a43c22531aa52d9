package outlier

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/warden-ml/warden/outlier/metric"
)

func TestCalibrationPValues(t *testing.T) {
	c := newCalibration([]float64{5, 1, 3, 2, 4, 3, 3, 6, 7, 8, 9, 10}, 1)
	n := 12.0
	cases := []struct {
		x    float64
		want float64
	}{
		{0, 1},                       // below everything: all 12 at least as high
		{1, 1},                       // ties count as at least as high
		{1.5, (1 + 11.5) / (n + 1)},  // halfway between the conformal values at 1 and 2
		{3, (1 + 10) / (n + 1)},      // 3,3,3,4..10
		{3.5, (1 + 8.5) / (n + 1)},   // halfway between 3 (10 at least as high) and 4 (7)
		{3.75, (1 + 7.75) / (n + 1)}, // a quarter of the way from 4
		{10, 2 / (n + 1)},
		{math.NaN(), 1},
	}
	for _, cs := range cases {
		if got := c.pvalue(cs.x); math.Abs(got-cs.want) > 1e-12 {
			t.Errorf("pvalue(%v) = %v, want %v", cs.x, got, cs.want)
		}
	}
	// Beyond the largest score the p-value falls exponentially from the
	// conformal 1/(n+1), with the mean excess of the top scores as scale.
	top := c.pvalue(10 + c.scale)
	if want := math.Exp(-1) / (n + 1); math.Abs(top-want) > 1e-12 {
		t.Errorf("tail pvalue %v, want %v", top, want)
	}
	if c.pvalue(math.Inf(1)) != 0 {
		t.Error("pvalue(+Inf) should be 0")
	}
	// The surprise is -ln p, and stays finite where p underflows.
	for _, x := range []float64{0, 3.5, 10, 10 + c.scale} {
		if got, want := c.surprise(x), -math.Log(c.pvalue(x)); math.Abs(got-want) > 1e-9 {
			t.Errorf("surprise(%v) = %v, want %v", x, got, want)
		}
	}
	if s := c.surprise(1e6); math.IsInf(s, 0) || !(s > c.surprise(1e5)) {
		t.Errorf("surprise(1e6) = %v, not finite or not above surprise(1e5) = %v", s, c.surprise(1e5))
	}
	// Never below the conformal p-value within the held-out range, and never
	// rising with the score.
	prev := 1.0
	for x := 0.0; x <= 12; x += 0.01 {
		p := c.pvalue(x)
		at := 0
		for _, s := range c.sorted {
			if s >= x {
				at++
			}
		}
		if conformal := float64(1+at) / (n + 1); x <= 10 && p < conformal-1e-12 {
			t.Errorf("pvalue(%v) = %v below the conformal %v", x, p, conformal)
		}
		if p > prev+1e-12 {
			t.Errorf("pvalue rises from %v to %v at %v", prev, p, x)
		}
		prev = p
	}
	// limit inverts pvalue: the smallest score at or below the level,
	// exactly where the p-value is continuous.
	for _, p := range []float64{0.9, 0.5, 0.2, 0.1, 0.05, 0.01, 1e-4} {
		x := c.limit(p)
		got := c.pvalue(x)
		if got > p*(1+1e-9) {
			t.Errorf("limit(%v) = %v has p-value %v", p, x, got)
		}
		if below := c.pvalue(math.Nextafter(x, math.Inf(-1))); below <= p*(1-1e-9) {
			t.Errorf("limit(%v) = %v is not the smallest such score (p-value %v just below)", p, x, below)
		}
	}
	if x := c.limit(1); !math.IsInf(x, -1) {
		t.Errorf("limit(1) = %v, want -Inf", x)
	}
}

// TestHeldOutSurprise checks heldOut against a calibration rebuilt without
// the score, for every score of sets with ties, a tied and a lone top, and
// too few scores for a tail of their own.
func TestHeldOutSurprise(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	draws := make([]float64, 300)
	for i := range draws {
		draws[i] = rng.ExpFloat64()
	}
	cases := []struct {
		name   string
		scores []float64
	}{
		{"ties", []float64{5, 1, 3, 2, 4, 3, 3, 6, 7, 8, 9, 10}},
		{"tied top", []float64{1, 2, 2, 3, 9, 9}},
		{"all equal", []float64{0, 0, 0, 0}},
		{"two", []float64{1, 4}},
		{"exponential", draws},
	}
	for _, c := range cases {
		cal := newCalibration(slices.Clone(c.scores), 0.5)
		for i, x := range c.scores {
			others := newCalibration(slices.Delete(slices.Clone(c.scores), i, i+1), 0.5)
			want, got := others.surprise(x), cal.heldOut(x, 0.5)
			if math.Abs(got-want) > 1e-12*max(1, want) {
				t.Errorf("%s: heldOut(%v) = %v, want %v", c.name, x, got, want)
			}
		}
	}
}

func TestCalibrationIsUniformOnFreshDraws(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	held := make([]float64, 2000)
	for i := range held {
		held[i] = rng.ExpFloat64()
	}
	c := newCalibration(held, 1)
	levels := []float64{0.5, 0.1, 0.01, 0.001}
	counts := make([]int, len(levels))
	const draws = 200000
	for range draws {
		p := c.pvalue(rng.ExpFloat64())
		for i, l := range levels {
			if p <= l {
				counts[i]++
			}
		}
	}
	for i, l := range levels {
		rate := float64(counts[i]) / draws
		// The ECDF of 2000 held-out values is itself uncertain by about
		// sqrt(l/2000) in absolute terms; allow three of those.
		if tol := 3 * math.Sqrt(l/2000); math.Abs(rate-l) > tol {
			t.Errorf("P(p <= %v) = %v, want within %v", l, rate, tol)
		}
	}
}

func TestMarginal(t *testing.T) {
	cases := []struct {
		name      string
		values    []float64
		median    float64
		scale     float64 // 0: constant
		outside   float64 // a value beyond the range
		inside    float64
		surprised bool
	}{
		{name: "uniform 1..100", values: seq(1, 100), median: 50.5, scale: 49.5 / 1.349, outside: 300, inside: 99},
		{name: "mostly zero", values: append(make([]float64, 95), 1, 2, 3, 4, 5), median: 0, outside: 100, inside: 0},
		{name: "constant", values: []float64{7, 7, 7, 7, 7}, median: 7, outside: 7.5, inside: 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := fitMarginal(slices.Clone(c.values), 1.5)
			if m.median != c.median {
				t.Errorf("median %v, want %v", m.median, c.median)
			}
			if c.scale > 0 && math.Abs(m.scale-c.scale) > 1e-9 {
				t.Errorf("scale %v, want %v", m.scale, c.scale)
			}
			if c.name == "constant" && m.scale != 0 {
				t.Errorf("constant feature has scale %v", m.scale)
			}
			if c.name == "mostly zero" && !(m.scale > 0) {
				t.Errorf("sparse feature has no scale")
			}
			if m.surprise(c.inside) != 0 || m.surprise(math.NaN()) != 0 {
				t.Errorf("inside value %v or NaN is surprising", c.inside)
			}
			if !(m.surprise(c.outside) > 0) || !(m.surprise(c.outside*10) > m.surprise(c.outside)) {
				t.Errorf("surprise does not grow beyond the range: %v, %v", m.surprise(c.outside), m.surprise(c.outside*10))
			}
			if !math.IsInf(m.surprise(math.Inf(1)), 1) {
				t.Error("+Inf is not infinitely surprising")
			}
		})
	}
}

func seq(from, to float64) []float64 {
	var out []float64
	for v := from; v <= to; v++ {
		out = append(out, v)
	}
	return out
}

// TestMahalanobisIgnoresContamination fits on correlated Gaussian rows with
// 15% far outliers: the robust estimate must stay near the inliers' centre
// and rank inliers below outliers, where the classical estimate is dragged.
func TestMahalanobisIgnoresContamination(t *testing.T) {
	const n, dim = 4000, 4
	rng := rand.New(rand.NewPCG(3, 4))
	z := make([]float64, n*dim)
	outlier := make([]bool, n)
	for i := range n {
		a, b := rng.NormFloat64(), rng.NormFloat64()
		row := z[i*dim : (i+1)*dim]
		row[0], row[1], row[2], row[3] = a, 0.9*a+0.3*rng.NormFloat64(), b, -0.5*b+0.5*rng.NormFloat64()
		if rng.Float64() < 0.15 {
			outlier[i] = true
			// Break the correlation: in range marginally, off the inliers' plane.
			row[1] = -row[0] * 2
			row[2] += 4
		}
	}
	m, err := fitMahalanobis(z, n, dim, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	for j, c := range m.center {
		if math.Abs(c) > 0.15 {
			t.Errorf("centre[%d] = %v, want near 0", j, c)
		}
	}
	scores := make([]float64, n)
	for i := range n {
		scores[i] = m.distance2(z[i*dim : (i+1)*dim])
	}
	if auc := metric.ROCAUC(scores, outlier); auc < 0.99 {
		t.Errorf("robust Mahalanobis ROC-AUC %.3f, want >= 0.99", auc)
	}
	// Contributions sum to the squared distance when none is negative.
	row := []float64{0, 0, 5, 0}
	out, white := make([]float64, dim), make([]float64, dim)
	m.contributions(row, white, out)
	if out[2] <= out[0] || out[2] <= out[1] || out[2] <= out[3] {
		t.Errorf("contributions %v: feature 2 should dominate", out)
	}
}

// TestKNNIsExact compares the k-d tree search with a brute-force scan.
func TestKNNIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ n, dim, k int }{{50, 1, 5}, {500, 3, 10}, {1000, 9, 7}, {300, 25, 10}, {12, 2, 12}} {
		points := make([]float64, c.n*c.dim)
		for i := range points {
			points[i] = math.Round(rng.NormFloat64()*4) / 2 // ties on purpose
		}
		idx := newKNNIndex(slices.Clone(points), c.dim, c.k)
		best, off := make([]float64, 0, c.k), make([]float64, c.dim)
		for range 50 {
			q := make([]float64, c.dim)
			for j := range q {
				q[j] = rng.NormFloat64() * 3
			}
			got := idx.meanDistance(q, best, off)
			d := make([]float64, c.n)
			for i := range c.n {
				var s float64
				for j := range c.dim {
					e := q[j] - points[i*c.dim+j]
					s += e * e
				}
				d[i] = math.Sqrt(s)
			}
			slices.Sort(d)
			var want float64
			for _, v := range d[:c.k] {
				want += v / float64(c.k)
			}
			if math.Abs(got-want) > 1e-9*(1+want) {
				t.Fatalf("n=%d dim=%d k=%d: mean distance %v, brute force %v", c.n, c.dim, c.k, got, want)
			}
		}
	}
}

func TestSampleRowsIsDeterministicAndUniform(t *testing.T) {
	a, b := sampleRows(10000, 1000, 9), sampleRows(10000, 1000, 9)
	if !slices.Equal(a, b) || len(a) != 1000 || !slices.IsSorted(a) {
		t.Fatal("sample is not deterministic, sorted and of the requested size")
	}
	firstHalf := 0
	for _, r := range a {
		if r < 5000 {
			firstHalf++
		}
	}
	if firstHalf < 430 || firstHalf > 570 {
		t.Errorf("%d of 1000 sampled rows in the first half", firstHalf)
	}
	if got := sampleRows(5, 10, 1); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("small sample %v", got)
	}
}
