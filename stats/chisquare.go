package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// ChiSquareResult is a chi-square test of independence on a 2xK contingency table.
type ChiSquareResult struct {
	Statistic float64
	PValue    float64
	DoF       int
}

// ChiSquareContingency is scipy.stats.chi2_contingency on the 2xK table whose rows are a and b
// (counts per category, same length), with correction=True (Yates' continuity correction
// when dof == 1, exactly as scipy applies it). Categories where both counts are 0 must be
// rejected with an error (scipy raises on zero expected frequencies) -- callers drop them
// first; K < 2 after that => error. Negative or non-finite counts => error.
//
// A row whose counts are all 0 also gives zero expected frequencies and is rejected.
func ChiSquareContingency(a, b []float64) (ChiSquareResult, error) {
	if len(a) != len(b) {
		return ChiSquareResult{}, fmt.Errorf("stats: chi-square: rows differ in length: a has %d categories, b has %d", len(a), len(b))
	}
	var rowA, rowB float64
	for i := range a {
		for _, cell := range []struct {
			row string
			v   float64
		}{{"a", a[i]}, {"b", b[i]}} {
			if math.IsNaN(cell.v) || math.IsInf(cell.v, 0) || cell.v < 0 {
				return ChiSquareResult{}, fmt.Errorf("stats: chi-square: %s[%d] = %v: counts must be finite and non-negative", cell.row, i, cell.v)
			}
		}
		if a[i] == 0 && b[i] == 0 {
			return ChiSquareResult{}, fmt.Errorf("stats: chi-square: category %d is empty in both rows; drop it before testing", i)
		}
		rowA += a[i]
		rowB += b[i]
	}
	if len(a) < 2 {
		return ChiSquareResult{}, fmt.Errorf("stats: chi-square: need at least 2 categories, have %d", len(a))
	}
	if rowA == 0 || rowB == 0 {
		row := "a"
		if rowB == 0 {
			row = "b"
		}
		return ChiSquareResult{}, fmt.Errorf("stats: chi-square: row %s has no observations", row)
	}
	total := rowA + rowB
	if math.IsInf(total, 0) {
		return ChiSquareResult{}, fmt.Errorf("stats: chi-square: counts too large: the table total overflows float64")
	}
	dof := len(a) - 1
	stat := 0.0
	for _, row := range []struct {
		name string
		obs  []float64
		sum  float64
	}{{"a", a, rowA}, {"b", b, rowB}} {
		for i, obs := range row.obs {
			// scipy's order, row total times column total over the grand total, unless the
			// product of the margins overflows.
			expected := row.sum * (a[i] + b[i])
			if math.IsInf(expected, 0) {
				expected = row.sum / total * (a[i] + b[i])
			} else {
				expected /= total
			}
			if expected == 0 {
				return ChiSquareResult{}, fmt.Errorf("stats: chi-square: expected count for %s[%d] underflows to 0; counts span too many orders of magnitude", row.name, i)
			}
			if dof == 1 {
				// Yates: move each cell 0.5 towards its expectation, but never past it.
				diff := expected - obs
				obs += math.Copysign(math.Min(0.5, math.Abs(diff)), diff)
			}
			dev := obs - expected
			stat += dev * dev / expected
		}
	}
	return ChiSquareResult{Statistic: stat, PValue: ChiSquareSF(stat, float64(dof)), DoF: dof}, nil
}

// ChiSquareSF is scipy.stats.chi2.sf(x, dof): the regularized upper incomplete gamma
// function Q(dof/2, x/2). It returns 1 for x <= 0 and NaN for dof <= 0 or NaN input, as scipy
// does. Q comes from gonum's port of the cephes igamc that scipy itself calls, which keeps
// full relative precision in the far tail (checked against scipy down to 1e-308).
func ChiSquareSF(x float64, dof float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(dof) || dof <= 0 || math.IsInf(dof, 0):
		return math.NaN()
	case x <= 0:
		return 1
	case math.IsInf(x, 1):
		return 0
	}
	return mathext.GammaIncRegComp(dof/2, x/2)
}
