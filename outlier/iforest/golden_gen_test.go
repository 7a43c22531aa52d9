package iforest

import "math"

// datasetSpec describes a generated dataset: the Go half of a generator written identically
// in scripts/golden/iforest_golden.py (see its docstring). It uses SplitMix64 (Steele, Lea &
// Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014), uniforms k/2^53 and
// only exactly rounded operations, so both languages produce bit-identical data; products are
// wrapped in float64() so the compiler may not fuse them into multiply-adds, which Python never
// does.
type datasetSpec struct {
	Name       string  `json:"name"`
	Seed       uint64  `json:"seed"`
	Cols       int     `json:"cols"`
	Components int     `json:"components"`
	Inliers    int     `json:"inliers"`
	Outliers   int     `json:"outliers"`
	Box        float64 `json:"box"`
	Grid       float64 `json:"grid"`
	Constant   []int   `json:"constant"`
}

type goldenRNG struct{ state uint64 }

func (r *goldenRNG) uniform() float64 {
	return float64(splitMix64(&r.state)>>11) * 0x1p-53
}

// generate returns the rows of s (inliers first) and their labels (true = outlier).
func (s datasetSpec) generate() (Matrix, []bool) {
	r := goldenRNG{s.Seed}
	centre := make([][]float64, s.Components)
	spread := make([][]float64, s.Components)
	for k := range centre {
		centre[k] = make([]float64, s.Cols)
		for j := range centre[k] {
			centre[k][j] = float64(r.uniform()*6) - 3
		}
	}
	for k := range spread {
		spread[k] = make([]float64, s.Cols)
		for j := range spread[k] {
			spread[k][j] = 0.5 + float64(r.uniform()*0.5)
		}
	}
	rows := s.Inliers + s.Outliers
	X := Matrix{Rows: rows, Cols: s.Cols, Data: make([]float64, 0, rows*s.Cols)}
	labels := make([]bool, rows)
	for i := range s.Inliers {
		k := i % s.Components
		for j := range s.Cols {
			z := r.uniform()
			for range 11 {
				z += r.uniform()
			}
			z -= 6
			X.Data = append(X.Data, centre[k][j]+float64(spread[k][j]*z))
		}
	}
	for i := range s.Outliers {
		labels[s.Inliers+i] = true
		for range s.Cols {
			X.Data = append(X.Data, float64(r.uniform()*float64(s.Box*2))-s.Box)
		}
	}
	if s.Grid > 0 {
		for i, v := range X.Data {
			X.Data[i] = float64(math.Floor(v/s.Grid+0.5) * s.Grid)
		}
	}
	for i := range rows {
		for _, j := range s.Constant {
			X.Data[i*s.Cols+j] = 1
		}
	}
	return X, labels
}
