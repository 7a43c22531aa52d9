package stats

import (
	"math"
	"strings"
	"testing"
)

func TestChiSquareContingencyErrors(t *testing.T) {
	tests := []struct {
		name    string
		a, b    []float64
		wantErr string
	}{
		{"lengths differ", []float64{1, 2}, []float64{1}, "a has 2 categories, b has 1"},
		{"negative", []float64{1, -2}, []float64{1, 1}, "a[1] = -2"},
		{"NaN", []float64{1, 2}, []float64{math.NaN(), 1}, "b[0] = NaN"},
		{"infinite", []float64{1, math.Inf(1)}, []float64{1, 1}, "a[1] = +Inf"},
		{"empty category", []float64{1, 0, 2}, []float64{3, 0, 4}, "category 1 is empty in both rows"},
		{"one category", []float64{5}, []float64{7}, "need at least 2 categories, have 1"},
		{"no categories", nil, nil, "need at least 2 categories, have 0"},
		{"empty row", []float64{0, 0}, []float64{3, 4}, "row a has no observations"},
		{"overflowing total", []float64{math.MaxFloat64, 1}, []float64{math.MaxFloat64, 1}, "overflows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ChiSquareContingency(tc.a, tc.b)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

// The expected statistics are worked out by hand from the margins.
func TestChiSquareContingencyByHand(t *testing.T) {
	tests := []struct {
		name string
		a, b []float64
		stat float64
		dof  int
	}{
		// Margins rows 30, 70, columns 40, 60: expected 12 18 / 28 42, every |O-E| = 2,
		// which Yates shrinks to 1.5.
		{"2x2 Yates", []float64{10, 20}, []float64{30, 40}, 2.25 * (1.0/12 + 1.0/18 + 1.0/28 + 1.0/42), 1},
		// |O-E| = 20/41 < 0.5 everywhere: Yates moves each cell onto its expectation.
		{"2x2 Yates capped", []float64{10, 10}, []float64{10, 11}, 0, 1},
		// Margins rows 30, 30, columns 20 20 20: expected 10 everywhere, no correction.
		{"2x3", []float64{5, 10, 15}, []float64{15, 10, 5}, (25 + 0 + 25 + 25 + 0 + 25) / 10.0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ChiSquareContingency(tc.a, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if got.DoF != tc.dof || math.Abs(got.Statistic-tc.stat) > 1e-12 {
				t.Fatalf("got %+v, want statistic %v dof %d", got, tc.stat, tc.dof)
			}
			if want := ChiSquareSF(tc.stat, float64(tc.dof)); math.Abs(got.PValue-want) > 1e-12 {
				t.Fatalf("p = %v, want %v", got.PValue, want)
			}
		})
	}
}

func TestChiSquareContingencySymmetries(t *testing.T) {
	a := []float64{12, 40, 7, 0, 30}
	b := []float64{20, 35, 1, 3, 44}
	base, err := ChiSquareContingency(a, b)
	if err != nil {
		t.Fatal(err)
	}
	swapped, err := ChiSquareContingency(b, a)
	if err != nil {
		t.Fatal(err)
	}
	permuted, err := ChiSquareContingency([]float64{30, 0, 12, 7, 40}, []float64{44, 3, 20, 1, 35})
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []ChiSquareResult{swapped, permuted} {
		if math.Abs(other.Statistic-base.Statistic) > 1e-12*base.Statistic || math.Abs(other.PValue-base.PValue) > 1e-12*base.PValue {
			t.Errorf("%+v differs from %+v", other, base)
		}
	}
	// Proportional rows are independent by construction.
	same, err := ChiSquareContingency([]float64{1, 2, 3}, []float64{10, 20, 30})
	if err != nil {
		t.Fatal(err)
	}
	if same.Statistic > 1e-12 || math.Abs(same.PValue-1) > 1e-12 {
		t.Errorf("proportional rows: %+v", same)
	}
}

// ChiSquareSF has closed forms for even degrees of freedom and for one degree of freedom.
func TestChiSquareSFClosedForms(t *testing.T) {
	for _, x := range []float64{1e-8, 0.1, 1, 3.84, 10, 100, 600, 1300} {
		tests := []struct {
			dof  float64
			want float64
		}{
			{1, math.Erfc(math.Sqrt(x / 2))},
			{2, math.Exp(-x / 2)},
			{4, math.Exp(-x/2) * (1 + x/2)},
			{6, math.Exp(-x/2) * (1 + x/2 + x*x/8)},
		}
		for _, tc := range tests {
			got := ChiSquareSF(x, tc.dof)
			if !closeOrTiny(got, tc.want, 1e-12) {
				t.Errorf("ChiSquareSF(%v, %v) = %.17g, want %.17g", x, tc.dof, got, tc.want)
			}
		}
	}
	for _, tc := range []struct {
		x, dof, want float64
	}{
		{0, 3, 1}, {-1, 3, 1}, {math.Inf(1), 3, 0},
		{1, 0, math.NaN()}, {1, -2, math.NaN()}, {math.NaN(), 2, math.NaN()}, {1, math.NaN(), math.NaN()},
	} {
		got := ChiSquareSF(tc.x, tc.dof)
		if !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("ChiSquareSF(%v, %v) = %v, want %v", tc.x, tc.dof, got, tc.want)
		}
	}
}
