package iforest

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
)

// gaussian returns rows x cols Irwin-Hall normal values from the golden generator.
func gaussian(seed uint64, rows, cols int) Matrix {
	r := goldenRNG{seed}
	X := Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
	for i := range X.Data {
		z := -6.0
		for range 12 {
			z += r.uniform()
		}
		X.Data[i] = z
	}
	return X
}

func mustFit(t testing.TB, X Matrix, opts Options) *Forest {
	t.Helper()
	f, err := Fit(X, opts)
	if err != nil {
		t.Fatalf("Fit(%dx%d, %+v): %v", X.Rows, X.Cols, opts, err)
	}
	return f
}

// walk calls visit for every node of every tree with its depth.
func (f *Forest) walk(visit func(tree, i, depth int)) {
	for t, root := range f.roots {
		type item struct{ i, depth int }
		stack := []item{{int(root), 0}}
		for len(stack) > 0 {
			it := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			visit(t, it.i, it.depth)
			if n := f.nodes[it.i]; !f.isLeaf(int32(it.i)) {
				stack = append(stack, item{int(n.left), it.depth + 1}, item{int(n.left) + 1, it.depth + 1})
			}
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		cols int
		want string // substring of the error; "" for none
	}{
		{"zero value", Options{}, 3, ""},
		{"everything set", Options{Trees: 50, SampleSize: 64, Seed: 9, Workers: 2, Extended: true, ExtensionLevel: 2}, 3, ""},
		{"no columns", Options{}, 0, "columns"},
		{"negative trees", Options{Trees: -1}, 3, "Trees"},
		{"too many trees", Options{Trees: maxTrees + 1}, 3, "Trees"},
		{"negative sample", Options{SampleSize: -5}, 3, "SampleSize"},
		{"huge sample", Options{SampleSize: maxSampleSize + 1}, 3, "SampleSize"},
		{"negative workers", Options{Workers: -1}, 3, "Workers"},
		{"level = cols", Options{Extended: true, ExtensionLevel: 3}, 3, "ExtensionLevel"},
		{"negative level", Options{Extended: true, ExtensionLevel: -1}, 3, "ExtensionLevel"},
		{"level without extended", Options{ExtensionLevel: 1}, 3, "needs Extended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate(tt.cols)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate(%d) = %v; want nil", tt.cols, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate(%d) = %v; want an error about %q", tt.cols, err, tt.want)
			}
		})
	}
}

func TestFitErrors(t *testing.T) {
	withBad := func(row, col int, v float64) Matrix {
		X := gaussian(1, 10, 4)
		X.Data[row*4+col] = v
		return X
	}
	tests := []struct {
		name string
		X    Matrix
		opts Options
		want string
	}{
		{"no rows", Matrix{Rows: 0, Cols: 3}, Options{}, "empty matrix"},
		{"no columns", Matrix{Rows: 3, Cols: 0}, Options{}, "empty matrix"},
		{"short data", Matrix{Rows: 3, Cols: 2, Data: make([]float64, 5)}, Options{}, "need 6 values, Data has 5"},
		{"long data", Matrix{Rows: 3, Cols: 2, Data: make([]float64, 7)}, Options{}, "need 6 values, Data has 7"},
		{"NaN", withBad(7, 2, math.NaN()), Options{}, "row 7, column 2: value NaN"},
		{"+Inf", withBad(0, 3, math.Inf(1)), Options{}, "row 0, column 3: value +Inf"},
		{"-Inf", withBad(9, 0, math.Inf(-1)), Options{}, "row 9, column 0: value -Inf"},
		{"bad options", gaussian(1, 10, 4), Options{Trees: -2}, "Trees = -2"},
		{"too many nodes", gaussian(1, 10, 4), Options{Trees: maxTrees, SampleSize: maxSampleSize}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Fit(tt.X, tt.opts)
			if tt.want == "" {
				// ψ is clamped to the 10 rows, so this fits.
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Fit = %v, %v; want an error containing %q", f, err, tt.want)
			}
		})
	}
	big := Matrix{Rows: 1 << 16, Cols: 1, Data: make([]float64, 1<<16)}
	if _, err := Fit(big, Options{Trees: maxTrees, SampleSize: 1 << 16}); err == nil || !strings.Contains(err.Error(), "nodes") {
		t.Fatalf("Fit with 2^16 trees of 2^16 rows: %v; want an error about the node count", err)
	}
}

func TestAveragePathLengthDefinition(t *testing.T) {
	// c(n) = 2H(n-1) - 2(n-1)/n with H(i) ~ ln(i) + γ; for large n the approximation is
	// within 1/(2(n-1)) of the exact harmonic number, so compare against the exact sum.
	for _, n := range []int{3, 10, 100, 1000} {
		var h float64
		for i := 1; i < n; i++ {
			h += 1 / float64(i)
		}
		exact := 2*h - 2*float64(n-1)/float64(n)
		if got := averagePathLength(n); math.Abs(got-exact) > 1/float64(n-1) {
			t.Errorf("c(%d) = %v, exact harmonic form %v", n, got, exact)
		}
	}
	for n, want := range map[int]float64{-1: 0, 0: 0, 1: 0, 2: 1} {
		if got := averagePathLength(n); got != want {
			t.Errorf("c(%d) = %v; want %v", n, got, want)
		}
	}
}

func TestIsolatedPointScoresHighest(t *testing.T) {
	for _, extended := range []bool{false, true} {
		X := gaussian(3, 60, 3)
		far := []float64{9, -8, 7}
		copy(X.Row(17), far)
		f := mustFit(t, X, Options{Seed: 5, Extended: extended})
		scores := make([]float64, X.Rows)
		f.ScoreBatch(X, scores)
		best := 0
		for i, s := range scores {
			if !(s > 0 && s <= 1) {
				t.Fatalf("extended=%v: score %v of row %d outside (0, 1]", extended, s, i)
			}
			if s > scores[best] {
				best = i
			}
		}
		if best != 17 {
			t.Fatalf("extended=%v: row %d scores highest (%v); want the isolated row 17 (%v)", extended, best, scores[best], scores[17])
		}
		if scores[17] < 0.6 {
			t.Errorf("extended=%v: isolated row scores %v; want a clear anomaly (> 0.6)", extended, scores[17])
		}
		var mean float64
		for i, s := range scores {
			if i != 17 {
				mean += s / float64(X.Rows-1)
			}
		}
		if mean > 0.5 {
			t.Errorf("extended=%v: ordinary rows score %v on average; want <= 0.5", extended, mean)
		}
	}
}

func TestTreeStructure(t *testing.T) {
	tests := []struct {
		rows, psi int
		extended  bool
	}{
		{1, 0, false}, {2, 0, false}, {3, 0, false}, {7, 0, false}, {100, 0, false},
		{300, 0, false}, {1000, 300, false}, {5000, 1024, false},
		{3, 0, true}, {300, 0, true}, {1000, 513, true},
	}
	for _, tt := range tests {
		X := gaussian(uint64(tt.rows), tt.rows, 3)
		f := mustFit(t, X, Options{Trees: 20, SampleSize: tt.psi, Seed: 1, Extended: tt.extended})
		psi := min(max(tt.psi, 0), tt.rows)
		if tt.psi == 0 {
			psi = min(256, tt.rows)
		}
		limit := int(math.Ceil(math.Log2(float64(max(psi, 2)))))
		if f.SampleSize() != psi || f.Trees() != 20 {
			t.Fatalf("%+v: sample size %d, %d trees; want %d, 20", tt, f.SampleSize(), f.Trees(), psi)
		}
		leafRows := make([]int, f.Trees())
		deepest := 0
		f.walk(func(tree, i, depth int) {
			n := f.nodes[i]
			deepest = max(deepest, depth)
			if depth > limit {
				t.Fatalf("%+v: tree %d node %d at depth %d > ceil(log2 %d) = %d", tt, tree, i, depth, psi, limit)
			}
			if f.isLeaf(int32(i)) {
				leafRows[tree] += int(f.sizes[i])
				if want := float64(depth) + averagePathLength(int(f.sizes[i])); f.leafPath[i] != want {
					t.Fatalf("%+v: leaf %d: path length %v; want depth %d + c(%d) = %v", tt, i, f.leafPath[i], depth, f.sizes[i], want)
				}
				if !tt.extended && depth < limit && f.sizes[i] > 1 {
					t.Fatalf("%+v: leaf %d at depth %d holds %d distinct rows", tt, i, depth, f.sizes[i])
				}
				return
			}
			if f.sizes[i] != f.sizes[n.left]+f.sizes[n.left+1] {
				t.Fatalf("%+v: node %d holds %d rows, its children %d + %d", tt, i, f.sizes[i], f.sizes[n.left], f.sizes[n.left+1])
			}
			if !tt.extended && (f.sizes[n.left] == 0 || f.sizes[n.left+1] == 0) {
				t.Fatalf("%+v: node %d has an empty child", tt, i)
			}
		})
		for tree, rows := range leafRows {
			if rows != psi || int(f.sizes[f.roots[tree]]) != psi {
				t.Fatalf("%+v: tree %d: leaves hold %d rows, root %d; want ψ = %d", tt, tree, rows, f.sizes[f.roots[tree]], psi)
			}
		}
		if psi >= 256 && deepest != limit {
			t.Errorf("%+v: deepest node at %d; a tree of %d rows should reach the limit %d", tt, deepest, psi, limit)
		}
	}
}

func TestSampleWithoutReplacement(t *testing.T) {
	// Row i holds the value i, so the sample shows which rows were drawn.
	const rows, psi, draws = 50, 10, 20000
	X := Matrix{Rows: rows, Cols: 1, Data: make([]float64, rows)}
	for i := range X.Data {
		X.Data[i] = float64(i)
	}
	b := newBuilder(X, psi, 1, false)
	counts := make([]int, rows)
	for d := range draws {
		b.draw(treeRNG(7, d))
		seen := map[float64]bool{}
		for _, v := range b.sample {
			if seen[v] {
				t.Fatalf("draw %d: row %v twice in %v", d, v, b.sample)
			}
			seen[v] = true
			counts[int(v)]++
		}
	}
	// Each row is drawn with probability ψ/n; allow 5 standard deviations.
	p := float64(psi) / rows
	want, sd := draws*p, math.Sqrt(draws*p*(1-p))
	for i, c := range counts {
		if math.Abs(float64(c)-want) > 5*sd {
			t.Errorf("row %d drawn %d times; want %.0f ± %.0f", i, c, want, 5*sd)
		}
	}
}

func TestUniformIn(t *testing.T) {
	r := treeRNG(1, 0)
	tests := [][2]float64{{0, 1}, {-math.MaxFloat64, math.MaxFloat64}, {1, math.Nextafter(1, 2)}, {-3, -2.5}, {math.MaxFloat64 / 2, math.MaxFloat64}}
	for _, tt := range tests {
		for range 1000 {
			if v := r.uniformIn(tt[0], tt[1]); !(v >= tt[0] && v < tt[1]) {
				t.Fatalf("uniformIn(%v, %v) = %v", tt[0], tt[1], v)
			}
		}
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	X := gaussian(11, 3000, 5)
	for _, extended := range []bool{false, true} {
		var first []byte
		var firstScores []float64
		for _, workers := range []int{1, 2, 3, 8} {
			f := mustFit(t, X, Options{Trees: 37, Seed: 42, Workers: workers, Extended: extended})
			b, err := f.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			scores := make([]float64, X.Rows)
			f.ScoreBatch(X, scores)
			for i := range X.Rows {
				if s := f.Score(X.Row(i)); math.Float64bits(s) != math.Float64bits(scores[i]) {
					t.Fatalf("extended=%v workers=%d: Score(row %d) = %v, ScoreBatch %v", extended, workers, i, s, scores[i])
				}
			}
			if first == nil {
				first, firstScores = b, scores
				continue
			}
			if !bytes.Equal(b, first) {
				t.Fatalf("extended=%v: forest built with %d workers differs from 1 worker", extended, workers)
			}
			if !slices.Equal(scores, firstScores) {
				t.Fatalf("extended=%v: scores with %d workers differ", extended, workers)
			}
		}
		other := mustFit(t, X, Options{Trees: 37, Seed: 43, Extended: extended})
		if b, _ := other.MarshalBinary(); bytes.Equal(b, first) {
			t.Fatalf("extended=%v: seeds 42 and 43 grow the same forest", extended)
		}
	}
}

func TestConstantColumns(t *testing.T) {
	t.Run("all constant", func(t *testing.T) {
		X := Matrix{Rows: 40, Cols: 3, Data: slices.Repeat([]float64{1, 2, 3}, 40)}
		for _, extended := range []bool{false, true} {
			f := mustFit(t, X, Options{Trees: 10, Extended: extended})
			if len(f.nodes) != 10 {
				t.Fatalf("extended=%v: %d nodes; want one leaf per tree", extended, len(f.nodes))
			}
			// Every path is 0 + c(ψ), so the score is 2^-1 wherever the row is.
			for _, row := range [][]float64{{1, 2, 3}, {100, -5, 0}} {
				if s := f.Score(row); s != 0.5 {
					t.Fatalf("extended=%v: Score(%v) = %v; want 0.5", extended, row, s)
				}
			}
		}
	})
	t.Run("one constant", func(t *testing.T) {
		X := gaussian(5, 500, 4)
		for i := range X.Rows {
			X.Data[i*4+2] = 7
		}
		for _, extended := range []bool{false, true} {
			f := mustFit(t, X, Options{Extended: extended})
			for i, n := range f.nodes {
				if f.isLeaf(int32(i)) {
					continue
				}
				if !extended && n.split == 2 {
					t.Fatalf("node %d splits on the constant column", i)
				}
				if extended && slices.Contains(f.planeDim[f.planeOff[n.split]:f.planeOff[n.split+1]], 2) {
					t.Fatalf("extended: hyperplane of node %d uses the constant column", i)
				}
			}
			out := make([]float64, 4)
			f.Contributions([]float64{9, 0, 7, 0}, out)
			if out[2] != 0 {
				t.Fatalf("extended=%v: constant column contributes %v", extended, out[2])
			}
		}
	})
}

func TestScaleInvariance(t *testing.T) {
	// Scaling by a power of two is exact, so the forest must be the same up to that scale,
	// however small: a range of 1e-9 is not "constant" here.
	X := gaussian(13, 400, 3)
	tiny := Matrix{Rows: X.Rows, Cols: X.Cols, Data: make([]float64, len(X.Data))}
	for i, v := range X.Data {
		tiny.Data[i] = v * 0x1p-40
	}
	for _, extended := range []bool{false, true} {
		f := mustFit(t, X, Options{Seed: 4, Extended: extended})
		g := mustFit(t, tiny, Options{Seed: 4, Extended: extended})
		if len(g.nodes) != len(f.nodes) || len(g.nodes) <= g.Trees() {
			t.Fatalf("extended=%v: %d nodes at scale 2^-40, %d at scale 1", extended, len(g.nodes), len(f.nodes))
		}
		for i := range X.Rows {
			if a, b := f.Score(X.Row(i)), g.Score(tiny.Row(i)); a != b {
				t.Fatalf("extended=%v: row %d scores %v, scaled by 2^-40 %v", extended, i, a, b)
			}
		}
	}
}

func TestDuplicateRows(t *testing.T) {
	X := Matrix{Rows: 101, Cols: 2, Data: slices.Repeat([]float64{0.5, 0.5}, 101)}
	X.Data[100*2], X.Data[100*2+1] = 3, -1
	for _, extended := range []bool{false, true} {
		f := mustFit(t, X, Options{Trees: 50, Seed: 3, Extended: extended})
		if f.Score([]float64{3, -1}) <= f.Score([]float64{0.5, 0.5}) {
			t.Errorf("extended=%v: the distinct row does not outscore the duplicates", extended)
		}
		if extended {
			// A random hyperplane may leave both rows on one side, so paths vary.
			continue
		}
		// The root splits the distinct row off, after which the duplicates are a leaf.
		if got := f.PathLength([]float64{3, -1}); got != 1 {
			t.Errorf("path length of the distinct row %v; want 1", got)
		}
		if got, want := f.PathLength([]float64{0.5, 0.5}), 1+averagePathLength(100); math.Abs(got-want) > 1e-12 {
			t.Errorf("path length of a duplicate %v; want 1 + c(100) = %v", got, want)
		}
	}
}

func TestTinyInputs(t *testing.T) {
	one := Matrix{Rows: 1, Cols: 2, Data: []float64{1, 2}}
	f := mustFit(t, one, Options{})
	// With one training row c(ψ) = 0; like scikit-learn the ratio is taken as 1.
	for _, row := range [][]float64{{1, 2}, {-50, 9}} {
		if s, p := f.Score(row), f.PathLength(row); s != 0.5 || p != 0 {
			t.Errorf("one row: Score(%v) = %v, PathLength %v; want 0.5, 0", row, s, p)
		}
	}
	two := Matrix{Rows: 2, Cols: 2, Data: []float64{1, 2, 3, 4}}
	f = mustFit(t, two, Options{})
	// ψ = 2: one split at depth limit 1 isolates each row; c(1) = 0, c(2) = 1.
	for _, row := range [][]float64{{1, 2}, {3, 4}, {2, 3}, {100, 100}} {
		if s, p := f.Score(row), f.PathLength(row); p != 1 || s != 0.5 {
			t.Errorf("two rows: Score(%v) = %v, PathLength %v; want 0.5, 1", row, s, p)
		}
	}
	// A hyperplane may miss the gap between the two rows: then a leaf holds both (1 + c(2))
	// or none (1 + c(0)).
	f = mustFit(t, two, Options{Extended: true})
	for _, row := range [][]float64{{1, 2}, {3, 4}, {100, 100}} {
		if p := f.PathLength(row); p < 1 || p > 2 {
			t.Errorf("extended two rows: PathLength(%v) = %v; want within [1, 2]", row, p)
		}
	}
	same := Matrix{Rows: 2, Cols: 1, Data: []float64{4, 4}}
	if p := mustFit(t, same, Options{}).PathLength([]float64{4}); p != 1 {
		t.Errorf("two equal rows: PathLength %v; want c(2) = 1", p)
	}
}

func TestBadScoringInput(t *testing.T) {
	X := gaussian(2, 200, 3)
	for _, extended := range []bool{false, true} {
		f := mustFit(t, X, Options{Trees: 10, Extended: extended})
		bad := [][]float64{nil, {1, 2}, {1, 2, 3, 4}, {1, math.NaN(), 3}}
		for _, row := range bad {
			if s, p := f.Score(row), f.PathLength(row); !math.IsNaN(s) || !math.IsNaN(p) {
				t.Errorf("extended=%v: Score(%v) = %v, PathLength %v; want NaN", extended, row, s, p)
			}
			out := []float64{1, 1, 1}
			f.Contributions(row, out)
			if !math.IsNaN(out[0]) || !math.IsNaN(out[2]) {
				t.Errorf("extended=%v: Contributions(%v) = %v; want NaN", extended, row, out)
			}
		}
		out := make([]float64, 2)
		f.Contributions([]float64{1, 2, 3}, out)
		if !math.IsNaN(out[0]) {
			t.Errorf("extended=%v: Contributions into a short slice = %v; want NaN", extended, out)
		}
		// Infinities are legitimate extremes in the standard forest.
		if s := f.Score([]float64{math.Inf(1), 0, 0}); !extended && !(s > 0.5 && s <= 1) {
			t.Errorf("Score(+Inf, 0, 0) = %v; want a high score", s)
		}
		if s := f.Score([]float64{math.Inf(1), math.Inf(-1), 0}); math.IsNaN(s) && !extended {
			t.Errorf("Score(+Inf, -Inf, 0) = NaN")
		}

		good := Matrix{Rows: 3, Cols: 3, Data: []float64{0, 0, 0, math.NaN(), 0, 0, 5, 5, 5}}
		scores := make([]float64, 3)
		f.ScoreBatch(good, scores)
		if math.IsNaN(scores[0]) || !math.IsNaN(scores[1]) || math.IsNaN(scores[2]) {
			t.Errorf("extended=%v: ScoreBatch with a NaN in row 1 = %v", extended, scores)
		}
		malformed := []struct {
			X   Matrix
			out int
		}{
			{Matrix{Rows: 2, Cols: 2, Data: make([]float64, 4)}, 2},
			{Matrix{Rows: 2, Cols: 3, Data: make([]float64, 5)}, 2},
			{Matrix{Rows: 3, Cols: 3, Data: make([]float64, 9)}, 2},
			{Matrix{Rows: -1, Cols: 3}, 2},
		}
		for _, m := range malformed {
			out := []float64{1, 1}[:m.out]
			f.ScoreBatch(m.X, out)
			for _, v := range out {
				if !math.IsNaN(v) {
					t.Errorf("extended=%v: ScoreBatch(%d x %d, %d values, out %d) = %v; want NaN", extended, m.X.Rows, m.X.Cols, len(m.X.Data), m.out, out)
				}
			}
		}
		f.ScoreBatch(Matrix{Cols: 3}, nil) // nothing to score, nothing to write
	}
}

func TestUnfittedForest(t *testing.T) {
	var nilForest *Forest
	for _, f := range []*Forest{{}, nilForest} {
		out := []float64{1}
		f.Contributions(nil, out)
		scores := []float64{1}
		f.ScoreBatch(Matrix{Rows: 1, Cols: 1, Data: []float64{0}}, scores)
		if s, p := f.Score(nil), f.PathLength(nil); !math.IsNaN(s) || !math.IsNaN(p) || !math.IsNaN(out[0]) || !math.IsNaN(scores[0]) {
			t.Errorf("unfitted forest %v: Score %v, PathLength %v, Contributions %v, ScoreBatch %v; want NaN", f, s, p, out, scores)
		}
	}
}

func TestRow(t *testing.T) {
	X := Matrix{Rows: 2, Cols: 2, Data: []float64{1, 2, 3}}
	if r := X.Row(0); !slices.Equal(r, []float64{1, 2}) {
		t.Errorf("Row(0) = %v", r)
	}
	for _, i := range []int{-1, 1, 2} {
		if r := X.Row(i); r != nil {
			t.Errorf("Row(%d) of a short matrix = %v; want nil", i, r)
		}
	}
}

func TestNoAllocations(t *testing.T) {
	X := gaussian(4, 1000, 6)
	for _, extended := range []bool{false, true} {
		f := mustFit(t, X, Options{Extended: extended})
		row := X.Row(3)
		out := make([]float64, 6)
		scores := make([]float64, X.Rows)
		single := mustFit(t, X, Options{Extended: extended, Workers: 1})
		for name, fn := range map[string]func(){
			"Score":         func() { f.Score(row) },
			"PathLength":    func() { f.PathLength(row) },
			"Contributions": func() { f.Contributions(row, out) },
			"ScoreBatch":    func() { single.ScoreBatch(X, scores) },
		} {
			if a := testing.AllocsPerRun(20, fn); a != 0 {
				t.Errorf("extended=%v: %s allocates %v times", extended, name, a)
			}
		}
	}
}

func TestContributions(t *testing.T) {
	// Rows uniform-ish in [-6, 6]^4; the probe is ordinary except far out on column 1.
	X := gaussian(8, 2000, 4)
	probe := []float64{0, 25, 0, 0}
	for _, tt := range []struct {
		extended bool
		level    int
	}{{false, 0}, {true, 1}, {true, 0}} {
		f := mustFit(t, X, Options{Seed: 2, Extended: tt.extended, ExtensionLevel: tt.level})
		out := make([]float64, 4)
		f.Contributions(probe, out)
		var sum float64
		for _, v := range out {
			if v < 0 {
				t.Fatalf("%+v: negative contribution in %v", tt, out)
			}
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Fatalf("%+v: contributions %v sum to %v", tt, out, sum)
		}
		if slices.Index(out, slices.Max(out)) != 1 {
			t.Errorf("%+v: contributions %v; want column 1 to dominate", tt, out)
		}
		// A fully extended split mixes every column, so column 1 dominates less there.
		if !tt.extended && out[1] < 0.5 {
			t.Errorf("%+v: column 1 contributes %v; want most of the isolation", tt, out[1])
		}
	}
	// A forest that never split has nothing to attribute.
	f := mustFit(t, Matrix{Rows: 3, Cols: 2, Data: []float64{1, 1, 1, 1, 1, 1}}, Options{})
	out := []float64{5, 5}
	f.Contributions([]float64{0, 0}, out)
	if out[0] != 0 || out[1] != 0 {
		t.Errorf("unsplit forest: contributions %v; want zeros", out)
	}
}

func TestExtensionLevel(t *testing.T) {
	X := gaussian(9, 1000, 5)
	for _, tt := range []struct{ level, dims int }{{0, 5}, {1, 2}, {2, 3}, {4, 5}} {
		f := mustFit(t, X, Options{Trees: 10, Extended: true, ExtensionLevel: tt.level})
		for h := range f.planes() {
			// Every column varies in nodes big enough to split, so hyperplanes are full size.
			dims := f.planeDim[f.planeOff[h]:f.planeOff[h+1]]
			if len(dims) > tt.dims || len(dims) == 0 {
				t.Fatalf("level %d: hyperplane %d on %d dimensions %v; want %d", tt.level, h, len(dims), dims, tt.dims)
			}
			sorted := slices.Clone(dims)
			slices.Sort(sorted)
			if len(slices.Compact(sorted)) != len(dims) {
				t.Fatalf("level %d: hyperplane %d repeats a dimension: %v", tt.level, h, dims)
			}
		}
		if f.Score(X.Row(0)) >= f.Score([]float64{8, 8, -8, 8, 8}) {
			t.Errorf("level %d: an ordinary row outscores a far one", tt.level)
		}
	}
}
