package outlier

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/warden-ml/warden/dataset"
)

// skewedTable returns n rows of p features mixed from five latent factors
// plus noise, the first two exponentiated into log-normal amounts (σ 1 and
// 0.7), and an independent log-normal amount (σ 1), followed by shuffled
// rows: each feature taken from another row, so that every value is
// ordinary and only the combination is not.
func skewedTable(n, p, shuffled int, seed uint64) *dataset.Table {
	rng := rand.New(rand.NewPCG(seed, 0x5ce3))
	load := rand.New(rand.NewPCG(7, 7)) // one mixing for every table
	const factors = 5
	mix := make([]float64, p*factors)
	for i := range mix {
		mix[i] = load.NormFloat64()
	}
	raw := make([][]float64, n+shuffled)
	for i := range raw {
		raw[i] = make([]float64, p)
		var f [factors]float64
		for k := range f {
			f[k] = rng.NormFloat64()
		}
		for j := range p {
			for k := range f {
				raw[i][j] += mix[j*factors+k] * f[k]
			}
			raw[i][j] += 0.5 * rng.NormFloat64()
		}
	}
	for i := n; i < n+shuffled; i++ {
		for j := range p {
			raw[i][j] = raw[rng.IntN(n)][j]
		}
	}
	cols := make([]*dataset.Column, p)
	for j := range cols {
		cols[j] = &dataset.Column{Name: fmt.Sprintf("x%d", j), Type: dataset.Numeric, Floats: make([]float64, n+shuffled)}
		sd := 0.25
		for k := range factors {
			sd += mix[j*factors+k] * mix[j*factors+k]
		}
		sd = math.Sqrt(sd)
		for i := range raw {
			v := raw[i][j]
			switch j {
			case 0:
				v = math.Exp(3 + v/sd)
			case 1:
				v = math.Exp(1 + 0.7*v/sd)
			}
			cols[j].Floats[i] = v
		}
	}
	amount := &dataset.Column{Name: "amount", Type: dataset.Numeric, Floats: make([]float64, n+shuffled)}
	for i := range amount.Floats {
		amount.Floats[i] = 50 * math.Exp(rng.NormFloat64())
	}
	return &dataset.Table{Source: "skewed", Rows: n + shuffled, Columns: append(cols, amount)}
}

// TestSkewedFeaturesKeepCorrelationBreaks fits on rows with two log-normal
// features and scores fresh rows and rows that only break the correlations.
// Without the symmetrised distance the long tails of the skewed features
// give ordinary rows large robust distances, the threshold rises, and the
// verdict catches about 1% of the shuffled rows.
func TestSkewedFeaturesKeepCorrelationBreaks(t *testing.T) {
	const clean, shuffled = 20000, 400
	d, err := Fit(skewedTable(20000, 20, 0, 1), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := d.ScoreTable(skewedTable(clean, 20, shuffled, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	var fp, tp int
	for i, v := range vs {
		switch {
		case v.Anomaly && i < clean:
			fp++
		case v.Anomaly:
			tp++
		}
	}
	fpr, tpr := float64(fp)/clean, float64(tp)/shuffled
	t.Logf("shuffled rows caught %.1f%%, clean rows flagged %.2f%%", 100*tpr, 100*fpr)
	if tpr < 0.9 {
		t.Errorf("caught %.1f%% of the rows that break the correlations; want at least 90%%", 100*tpr)
	}
	if fpr > 0.01 {
		t.Errorf("flagged %.2f%% of clean rows at FPR 0.5%%", 100*fpr)
	}

	// The symmetrised distance compresses the long tail; the Mahalanobis
	// detector must still find amounts a hundred times their usual size as
	// the distance on the robust scale does (about 90% of them here; the
	// symmetrised distance alone finds three quarters).
	test := skewedTable(200, 20, 0, 3)
	for i := range test.Rows {
		test.Column("amount").Floats[i] *= 100
	}
	far, err := d.ScoreTable(test, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, v := range far {
		if v.Scores["mahalanobis"] > 1-d.Options().FPR {
			found++
		}
	}
	if found < 165 {
		t.Errorf("the Mahalanobis detector alone finds %d of 200 amounts 100 times too large", found)
	}

	// The transform survives encoding.
	data, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Detector
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	again, err := back.ScoreTable(test, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range far {
		if again[i].Score != far[i].Score || again[i].Scores["mahalanobis"] != far[i].Scores["mahalanobis"] {
			t.Fatalf("row %d scores %v after a round trip, %v before", i, again[i].Scores, far[i].Scores)
		}
	}
}

func TestSymmetriser(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	draw := func(f func() float64) []float64 {
		x := make([]float64, 5000)
		for i := range x {
			x[i] = f()
		}
		slices.Sort(x)
		return x
	}
	fit := func(x []float64) symmetriser {
		m := fitMarginal(slices.Clone(x), 1.5)
		return fitSymmetriser(x, m.median, m.scale)
	}
	logNormal := draw(func() float64 { return math.Exp(rng.NormFloat64()) })
	cases := []struct {
		name   string
		values []float64
		sign   float64
	}{
		{"log-normal", logNormal, 1},
		{"reflected log-normal", draw(func() float64 { return -math.Exp(rng.NormFloat64()) }), -1},
		{"normal", draw(rng.NormFloat64), 0},
		{"mildly skewed", draw(func() float64 { return math.Exp(0.3 * rng.NormFloat64()) }), 0},
		// A spike of zeros at the lower quartile and the median: no monotone
		// transform changes its quartile skewness.
		{"spike", draw(func() float64 { return max(0, rng.ExpFloat64()-1) }), 0},
		{"boolean", draw(func() float64 { return float64(rng.IntN(4) / 3) }), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := fitMarginal(slices.Clone(c.values), 1.5)
			s := fit(c.values)
			if s.sign != c.sign || !s.valid() {
				t.Fatalf("fitted %+v, want sign %v", s, c.sign)
			}
			u := func(p float64) float64 { return m.scaled(quantileSorted(c.values, p)) }
			if s.sign == 0 {
				for _, x := range []float64{-3, 0, 0.5, 1e6} {
					if s.apply(x) != x {
						t.Errorf("apply(%v) = %v, want it unchanged", x, s.apply(x))
					}
				}
				return
			}
			// Quartiles symmetric about the median, interquartile range that
			// of a standard normal.
			lo, mid, hi := s.apply(u(0.25)), s.apply(u(0.5)), s.apply(u(0.75))
			if math.Abs(mid) > 1e-9 || math.Abs(lo+hi) > 1e-9 || math.Abs(hi-lo-1.349) > 1e-9 {
				t.Errorf("quartiles %v %v %v after the transform", lo, mid, hi)
			}
			// The long tail becomes normal, as log-normal data do in the log.
			if far := s.sign * s.apply(u(0.5+s.sign*0.45)); math.Abs(far-1.645) > 0.1 {
				t.Errorf("the long side's 95%% quantile is %v after the transform, want about 1.645", far)
			}
			// Monotone and continuous everywhere (the knee included), and
			// unbounded on both sides up to the clamp.
			prev := s.apply(-30.001)
			for x := -30.0; x <= 30; x += 0.001 {
				y := s.apply(x)
				if !(y > prev) || y-prev > 0.01 {
					t.Fatalf("apply jumps from %v to %v at %v", prev, y, x)
				}
				prev = y
			}
			if top, bottom := s.apply(s.sign*1e6), s.apply(-s.sign*1e6); !(s.sign*top > s.sign*s.apply(s.sign*1e5)+1) || !(s.sign*bottom < -1e5) {
				t.Errorf("apply(±1e6) = %v, %v: the tails are bounded", top, bottom)
			}
		})
	}
	for _, bad := range []symmetriser{{sign: 0.5, b: 1, knee: -0.5, scale: 1}, {sign: 1, b: 0, knee: -0.5, scale: 1},
		{sign: 1, b: 1, knee: -1, scale: 1}, {sign: -1, b: 1, knee: -0.5}, {sign: 0, b: 1}, {sign: 1, b: math.NaN(), knee: -0.5, scale: 1}} {
		if bad.valid() {
			t.Errorf("%+v is valid", bad)
		}
	}
}
