package stats

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The expected values in testdata/golden/stats come from scipy 1.10.1 through
// scripts/golden/stats_golden.py; they are never written from this package's own output, so
// there is no -update flag here: regenerate them with the script (see its README).
//
// Parity rule, applied to every statistic and p-value: Warden's value must be within 1e-9
// relative of scipy's, except that where scipy's value is below 1e-300 (including exactly 0,
// and the subnormal values scipy's sums end in) it is enough for Warden's to be below 1e-300
// too: at that depth both are dominated by underflow, and no test decision can depend on the
// difference. Warden returns exactly 0 wherever scipy's algorithm returns exactly 0 by
// construction (cut-offs such as n*d^2 >= 370 in kstwo), and may return a subnormal where
// scipy's underflowed sum lost its last terms.

var goldenDir = filepath.Join("..", "testdata", "golden", "stats")

const (
	parityRelTol = 1e-9
	parityFloor  = 1e-300
)

func matchesScipy(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if math.Abs(want) < parityFloor && math.Abs(got) < parityFloor {
		return true
	}
	return math.Abs(got-want) <= parityRelTol*math.Abs(want)
}

func loadGolden(t *testing.T, name string, into any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatalf("golden file: %v (regenerate with /usr/bin/python3 scripts/golden/stats_golden.py)", err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatalf("golden file %s: %v", name, err)
	}
}

type ksGoldenCase struct {
	Name      string     `json:"name"`
	X         sampleSpec `json:"x"`
	Y         sampleSpec `json:"y"`
	Statistic float64    `json:"statistic"`
	PValue    float64    `json:"pvalue"`
	Method    string     `json:"method"`
}

// sampleCache keeps the most recent sorted samples: the golden cases reuse their largest
// samples (10^6 values) several times, and generating plus sorting one takes ~0.1 s.
type sampleCache struct {
	keys []sampleSpec
	vals [][]float64
}

func (c *sampleCache) sorted(t *testing.T, s sampleSpec) []float64 {
	if i := slices.Index(c.keys, s); i >= 0 {
		return c.vals[i]
	}
	v, err := generate(s)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(v)
	if len(c.keys) == 4 {
		c.keys, c.vals = c.keys[1:], c.vals[1:]
	}
	c.keys = append(c.keys, s)
	c.vals = append(c.vals, v)
	return v
}

func TestGoldenKSTwoSample(t *testing.T) {
	var golden struct{ Cases []ksGoldenCase }
	loadGolden(t, "ks2samp.json", &golden)
	if len(golden.Cases) < 200 {
		t.Fatalf("only %d KS golden cases", len(golden.Cases))
	}
	var cache sampleCache
	for _, c := range golden.Cases {
		x, y := cache.sorted(t, c.X), cache.sorted(t, c.Y)
		got, err := KSTwoSampleSorted(x, y)
		if err != nil {
			t.Errorf("%s: x=%v y=%v: %v", c.Name, c.X, c.Y, err)
			continue
		}
		if !matchesScipy(got.Statistic, c.Statistic) || !matchesScipy(got.PValue, c.PValue) || got.Method != c.Method {
			t.Errorf("%s: x=%v y=%v:\n got D=%.17g p=%.17g %s\nwant D=%.17g p=%.17g %s (scipy)",
				c.Name, c.X, c.Y, got.Statistic, got.PValue, got.Method, c.Statistic, c.PValue, c.Method)
		}
	}
}

// TestGoldenGeneratorUnsorted runs the unsorted entry point on the smaller golden cases: the
// generator's output is in random order, so this also covers KSTwoSample's own sorting.
func TestGoldenGeneratorUnsorted(t *testing.T) {
	var golden struct{ Cases []ksGoldenCase }
	loadGolden(t, "ks2samp.json", &golden)
	for _, c := range golden.Cases {
		if c.X.N+c.Y.N > 5000 {
			continue
		}
		x, err := generate(c.X)
		if err != nil {
			t.Fatal(err)
		}
		y, err := generate(c.Y)
		if err != nil {
			t.Fatal(err)
		}
		got, err := KSTwoSample(x, y)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if !matchesScipy(got.Statistic, c.Statistic) || !matchesScipy(got.PValue, c.PValue) || got.Method != c.Method {
			t.Errorf("%s: got %+v, want D=%.17g p=%.17g %s", c.Name, got, c.Statistic, c.PValue, c.Method)
		}
	}
}

func TestGoldenKolmogorovSF(t *testing.T) {
	var golden struct {
		Cases []struct {
			N  int     `json:"n"`
			D  float64 `json:"d"`
			SF float64 `json:"sf"`
		}
	}
	loadGolden(t, "kstwo.json", &golden)
	for _, c := range golden.Cases {
		if got := KolmogorovSF(c.D, c.N); !matchesScipy(got, c.SF) {
			t.Errorf("KolmogorovSF(%.17g, %d) = %.17g, scipy kstwo.sf = %.17g", c.D, c.N, got, c.SF)
		}
	}
}

func TestGoldenChiSquareContingency(t *testing.T) {
	var golden struct {
		Cases []struct {
			Name      string    `json:"name"`
			A         []float64 `json:"a"`
			B         []float64 `json:"b"`
			Statistic float64   `json:"statistic"`
			PValue    float64   `json:"pvalue"`
			DoF       int       `json:"dof"`
		}
	}
	loadGolden(t, "chi2_contingency.json", &golden)
	for _, c := range golden.Cases {
		got, err := ChiSquareContingency(c.A, c.B)
		if err != nil {
			t.Errorf("%s: a=%v b=%v: %v", c.Name, c.A, c.B, err)
			continue
		}
		if !matchesScipy(got.Statistic, c.Statistic) || !matchesScipy(got.PValue, c.PValue) || got.DoF != c.DoF {
			t.Errorf("%s: a=%v b=%v:\n got %+v\nwant statistic=%.17g p=%.17g dof=%d (scipy)",
				c.Name, c.A, c.B, got, c.Statistic, c.PValue, c.DoF)
		}
	}
}

func TestGoldenChiSquareSF(t *testing.T) {
	var golden struct {
		Cases []struct {
			X   float64 `json:"x"`
			DoF float64 `json:"dof"`
			SF  float64 `json:"sf"`
		}
	}
	loadGolden(t, "chi2_sf.json", &golden)
	for _, c := range golden.Cases {
		if got := ChiSquareSF(c.X, c.DoF); !matchesScipy(got, c.SF) {
			t.Errorf("ChiSquareSF(%.17g, %v) = %.17g, scipy chi2.sf = %.17g", c.X, c.DoF, got, c.SF)
		}
	}
}

func TestGoldenNormalSF(t *testing.T) {
	var golden struct {
		Cases []struct {
			X  float64 `json:"x"`
			SF float64 `json:"sf"`
		}
	}
	loadGolden(t, "norm_sf.json", &golden)
	for _, c := range golden.Cases {
		if got := NormalSF(c.X); !matchesScipy(got, c.SF) {
			t.Errorf("NormalSF(%.17g) = %.17g, scipy norm.sf = %.17g", c.X, got, c.SF)
		}
	}
}

func TestGoldenTwoProportionZ(t *testing.T) {
	var golden struct {
		Cases []struct {
			Name      string  `json:"name"`
			X1        int     `json:"x1"`
			N1        int     `json:"n1"`
			X2        int     `json:"x2"`
			N2        int     `json:"n2"`
			Statistic float64 `json:"statistic"`
			PValue    float64 `json:"pvalue"`
		}
	}
	loadGolden(t, "ztest.json", &golden)
	for _, c := range golden.Cases {
		got, err := TwoProportionZ(c.X1, c.N1, c.X2, c.N2)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if !matchesScipy(got.Statistic, c.Statistic) || !matchesScipy(got.PValue, c.PValue) {
			t.Errorf("%s: TwoProportionZ(%d, %d, %d, %d) = %+v, want z=%.17g p=%.17g",
				c.Name, c.X1, c.N1, c.X2, c.N2, got, c.Statistic, c.PValue)
		}
	}
}

func TestGoldenMultipleTesting(t *testing.T) {
	var golden struct {
		Cases []struct {
			Name       string     `json:"name"`
			P          []*float64 `json:"p"`
			BH         []*float64 `json:"bh"`
			Bonferroni []*float64 `json:"bonferroni"`
		}
	}
	loadGolden(t, "multitest.json", &golden)
	unnull := func(v []*float64) []float64 {
		out := make([]float64, len(v))
		for i, p := range v {
			out[i] = math.NaN()
			if p != nil {
				out[i] = *p
			}
		}
		return out
	}
	for _, c := range golden.Cases {
		p := unnull(c.P)
		for _, m := range []struct {
			name string
			fn   func([]float64) []float64
			want []float64
		}{
			{"BenjaminiHochberg", BenjaminiHochberg, unnull(c.BH)},
			{"Bonferroni", Bonferroni, unnull(c.Bonferroni)},
		} {
			got := m.fn(p)
			if len(got) != len(m.want) {
				t.Errorf("%s: %s returned %d values for %d", c.Name, m.name, len(got), len(m.want))
				continue
			}
			for i := range got {
				if !matchesScipy(got[i], m.want[i]) {
					t.Errorf("%s: %s[%d] (p=%v) = %.17g, want %.17g", c.Name, m.name, i, p[i], got[i], m.want[i])
				}
			}
		}
	}
}
