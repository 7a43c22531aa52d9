package dataset

import (
	"math"
	"slices"
	"testing"
)

func TestSelectAndSlice(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tab := &Table{Source: "t.csv", Rows: 5, Columns: []*Column{
		{Name: "x", Type: Numeric, Floats: []float64{1, nan, inf, 4, 5}, Missing: 1, Inf: 1},
		{Name: "c", Type: Categorical, Codes: []int32{0, 1, -1, 0, 1}, Levels: []string{"a", "b"}, Missing: 1},
	}}
	tests := []struct {
		name       string
		got        *Table
		x          []float64
		c          []int32
		xMiss, inf int
		cMiss      int
	}{
		{"select", tab.Select([]int{4, 2, 0}), []float64{5, inf, 1}, []int32{1, -1, 0}, 0, 1, 1},
		{"select none", tab.Select(nil), []float64{}, []int32{}, 0, 0, 0},
		{"slice", tab.Slice(1, 3), []float64{nan, inf}, []int32{1, -1}, 1, 1, 1},
		{"slice tail", tab.Slice(3, 5), []float64{4, 5}, []int32{0, 1}, 0, 0, 0},
	}
	for _, tc := range tests {
		x, c := tc.got.Column("x"), tc.got.Column("c")
		same := func(a, b []float64) bool {
			return slices.EqualFunc(a, b, func(p, q float64) bool { return p == q || math.IsNaN(p) && math.IsNaN(q) })
		}
		if tc.got.Rows != len(tc.x) || tc.got.Source != "t.csv" || !same(x.Floats, tc.x) || !slices.Equal(c.Codes, tc.c) ||
			!slices.Equal(c.Levels, []string{"a", "b"}) || x.Missing != tc.xMiss || x.Inf != tc.inf || c.Missing != tc.cMiss {
			t.Errorf("%s: rows %d, x %v (missing %d, inf %d), c %v (missing %d)", tc.name, tc.got.Rows, x.Floats, x.Missing, x.Inf, c.Codes, c.Missing)
		}
	}
}
