package iforest

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Matrix is a dense row-major matrix: element (i, j) is Data[i*Cols+j].
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// Row returns row i as a slice of Data, or nil when i is out of range or Data is too short.
func (m Matrix) Row(i int) []float64 {
	if i < 0 || i >= m.Rows || m.Cols < 0 || (i+1)*m.Cols > len(m.Data) {
		return nil
	}
	return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols]
}

func (m Matrix) check(what string) error {
	if m.Rows <= 0 || m.Cols <= 0 {
		return fmt.Errorf("iforest: %s: empty matrix (%d rows, %d columns)", what, m.Rows, m.Cols)
	}
	if m.Rows > math.MaxInt/m.Cols || len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("iforest: %s: %d rows x %d columns need %d values, Data has %d",
			what, m.Rows, m.Cols, m.Rows*m.Cols, len(m.Data))
	}
	return nil
}

// Options configure Fit. The zero value is scikit-learn's IsolationForest default.
type Options struct {
	Trees      int    // number of trees; 0 => 100
	SampleSize int    // rows per tree, drawn without replacement; 0 => min(256, rows); larger than rows => rows
	Seed       uint64 // the forest is a function of the data, Seed and the other options
	Workers    int    // goroutines for Fit and ScoreBatch; 0 => GOMAXPROCS; never changes results
	Extended   bool   // extended isolation forest: random hyperplane splits
	// ExtensionLevel is, for Extended, the number of dimensions in each hyperplane minus one;
	// 0 => Cols-1 (fully extended). It must be < Cols.
	ExtensionLevel int
}

// Limits that keep node indices within int32 and a forest's size sane.
const (
	maxTrees      = 1 << 16
	maxNodes      = math.MaxInt32 - 1
	maxSampleSize = 1 << 26
	maxCols       = 1 << 20
)

const defaultTrees, defaultSampleSize = 100, 256

// Validate reports the first option that is out of range for a matrix with cols columns.
func (o Options) Validate(cols int) error {
	switch {
	case cols <= 0 || cols > maxCols:
		return fmt.Errorf("iforest: options: %d columns; want 1 to %d", cols, maxCols)
	case o.Trees < 0 || o.Trees > maxTrees:
		return fmt.Errorf("iforest: options: Trees = %d; want 0 (default %d) to %d", o.Trees, defaultTrees, maxTrees)
	case o.SampleSize < 0 || o.SampleSize > maxSampleSize:
		return fmt.Errorf("iforest: options: SampleSize = %d; want 0 (default min(%d, rows)) to %d", o.SampleSize, defaultSampleSize, maxSampleSize)
	case o.Workers < 0:
		return fmt.Errorf("iforest: options: Workers = %d; want 0 (GOMAXPROCS) or more", o.Workers)
	case o.ExtensionLevel < 0 || o.ExtensionLevel >= cols:
		return fmt.Errorf("iforest: options: ExtensionLevel = %d; want 0 to %d (columns - 1)", o.ExtensionLevel, cols-1)
	case o.ExtensionLevel != 0 && !o.Extended:
		return fmt.Errorf("iforest: options: ExtensionLevel = %d needs Extended", o.ExtensionLevel)
	}
	return nil
}

// node is one node of a tree in the forest's flat node slice. Children are adjacent: a row
// goes to left when its split value is <= value, to left+1 otherwise. A leaf is its own left
// child with value +Inf, so that every row stays there: scoring can then take the same number
// of steps down every tree, with no branch that depends on the data.
type node struct {
	value float64 // threshold (for a hyperplane, the offset n·p); +Inf in a leaf
	split int32   // feature (standard) or hyperplane (extended); 0 in a leaf
	left  int32
}

func leafNode(self int32) node { return node{value: math.Inf(1), left: self} }

// Forest is a fitted isolation forest. Its methods are safe for concurrent use, except that
// SetWorkers and UnmarshalBinary must not run concurrently with anything else.
type Forest struct {
	cols           int
	sampleSize     int
	extended       bool
	extensionLevel int // as given in Options; 0 for the standard forest
	seed           uint64
	workers        int

	roots    []int32 // index in nodes of each tree's root, in tree order
	nodes    []node
	sizes    []int32   // training rows that reached each node
	leafPath []float64 // per leaf, its contribution to a path length: depth + c(size); 0 elsewhere
	gain     []float64 // per node, log2(rows in its parent / rows in it), for Contributions
	depth    int       // the depth of the deepest leaf

	// Hyperplane h has components planeDim[k], planeCoef[k] for k in
	// [planeOff[h], planeOff[h+1]). The last hyperplane has no components: it is the split of
	// every leaf, where the projection 0 is never above +Inf. Empty for the standard forest.
	planeOff  []int32
	planeDim  []int32
	planeCoef []float64

	norm float64 // c(ψ), which turns E[h(x)] into a score
}

// Cols returns the number of columns the forest was fitted on; scored rows must have as many.
func (f *Forest) Cols() int { return f.cols }

func (f *Forest) isLeaf(i int32) bool { return f.nodes[i].left == i }

// Trees returns the number of trees.
func (f *Forest) Trees() int { return len(f.roots) }

// SampleSize returns ψ, the number of rows each tree was grown from.
func (f *Forest) SampleSize() int { return f.sampleSize }

// SetWorkers bounds the goroutines ScoreBatch uses; 0 => GOMAXPROCS. A forest read by
// UnmarshalBinary starts at 0.
func (f *Forest) SetWorkers(n int) { f.workers = max(n, 0) }

func workerCount(n, jobs int) int {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return max(1, min(n, jobs))
}

// Fit grows an isolation forest on the rows of X.
func Fit(X Matrix, opts Options) (*Forest, error) {
	if err := X.check("Fit"); err != nil {
		return nil, err
	}
	if err := opts.Validate(X.Cols); err != nil {
		return nil, err
	}
	for i, v := range X.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("iforest: Fit: row %d, column %d: value %v; want a finite number", i/X.Cols, i%X.Cols, v)
		}
	}
	trees := opts.Trees
	if trees == 0 {
		trees = defaultTrees
	}
	psi := opts.SampleSize
	if psi == 0 {
		psi = defaultSampleSize
	}
	psi = min(psi, X.Rows)
	if trees*(2*psi-1) > maxNodes {
		return nil, fmt.Errorf("iforest: Fit: %d trees of up to %d nodes exceed %d nodes; use fewer trees or a smaller SampleSize", trees, 2*psi-1, maxNodes)
	}
	f := &Forest{
		cols:       X.Cols,
		sampleSize: psi,
		extended:   opts.Extended,
		seed:       opts.Seed,
		workers:    opts.Workers,
		norm:       averagePathLength(psi),
	}
	if opts.Extended {
		f.extensionLevel = opts.ExtensionLevel
	}
	dims := X.Cols // hyperplane dimensions
	if opts.ExtensionLevel > 0 {
		dims = opts.ExtensionLevel + 1
	}

	built := make([]tree, trees)
	var next atomic.Int64
	work := func() {
		b := newBuilder(X, psi, dims, opts.Extended)
		for {
			t := int(next.Add(1)) - 1
			if t >= trees {
				return
			}
			built[t] = b.grow(treeRNG(opts.Seed, t))
		}
	}
	if workers := workerCount(opts.Workers, trees); workers == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(work)
		}
		wg.Wait()
	}
	f.assemble(built)
	return f, nil
}

// assemble concatenates the trees into the forest's flat slices, in tree order.
func (f *Forest) assemble(trees []tree) {
	var nodes, comps, planes int
	for _, t := range trees {
		nodes += len(t.nodes)
		comps += len(t.planeDim)
		planes += len(t.planeOff)
	}
	f.roots = make([]int32, 0, len(trees))
	f.nodes = make([]node, 0, nodes)
	f.sizes = make([]int32, 0, nodes)
	if f.extended {
		f.planeOff = make([]int32, 1, planes+1)
		f.planeDim = make([]int32, 0, comps)
		f.planeCoef = make([]float64, 0, comps)
	}
	for _, t := range trees {
		base := int32(len(f.nodes))
		planeBase := int32(len(f.planeOff) - 1)
		f.roots = append(f.roots, base)
		for i, n := range t.nodes {
			if n.left != int32(i) && f.extended {
				n.split += planeBase
			}
			n.left += base
			f.nodes = append(f.nodes, n)
		}
		f.sizes = append(f.sizes, t.sizes...)
		compBase := int32(len(f.planeDim))
		for _, off := range t.planeOff {
			f.planeOff = append(f.planeOff, compBase+off)
		}
		f.planeDim = append(f.planeDim, t.planeDim...)
		f.planeCoef = append(f.planeCoef, t.planeCoef...)
	}
	if f.extended {
		f.addLeafPlane()
	}
	f.index()
}

// index derives from the nodes and their sizes what scoring and Contributions look up: each
// leaf's path length, each node's isolation gain and the depth of the deepest leaf. Children
// come after their parent in f.nodes.
func (f *Forest) index() {
	depth := make([]int32, len(f.nodes))
	f.leafPath = make([]float64, len(f.nodes))
	f.gain = make([]float64, len(f.nodes))
	f.depth = 0
	for i, n := range f.nodes {
		if f.isLeaf(int32(i)) {
			f.leafPath[i] = float64(depth[i]) + averagePathLength(int(f.sizes[i]))
			f.depth = max(f.depth, int(depth[i]))
			continue
		}
		for _, c := range []int32{n.left, n.left + 1} {
			depth[c] = depth[i] + 1
			f.gain[c] = math.Log2(float64(f.sizes[i]) / float64(max(f.sizes[c], 1)))
		}
	}
}

// addLeafPlane appends the empty hyperplane and makes it every leaf's split.
func (f *Forest) addLeafPlane() {
	h := int32(len(f.planeOff) - 1)
	f.planeOff = append(f.planeOff, f.planeOff[h])
	for i := range f.nodes {
		if f.isLeaf(int32(i)) {
			f.nodes[i].split = h
		}
	}
}

// planes returns the number of hyperplanes that split nodes.
func (f *Forest) planes() int { return max(len(f.planeOff)-2, 0) }

// eulerGamma is the Euler-Mascheroni constant.
const eulerGamma = 0.57721566490153286060651209008240243104215933593992

// averagePathLength is c(n), the average path length of an unsuccessful search in a binary
// search tree of n keys (Liu et al. 2008, eq. 1), with the harmonic number H(i) approximated by
// ln(i) + γ as in the paper and in scikit-learn; c(2) = 1 and c(n) = 0 for n <= 1.
func averagePathLength(n int) float64 {
	switch {
	case n <= 1:
		return 0
	case n == 2:
		return 1
	}
	x := float64(n)
	return 2*(math.Log(x-1)+eulerGamma) - 2*(x-1)/x
}

// hasNaN reports whether row holds a NaN.
func hasNaN(row []float64) bool {
	for _, v := range row {
		if v != v {
			return true
		}
	}
	return false
}

// pathSum returns the sum over trees of the path length of row, which must have f.cols
// values and no NaN.
func (f *Forest) pathSum(row []float64) float64 {
	if f.extended {
		return f.pathSumExtended(row)
	}
	// Four trees at a time: their walks are independent, so the processor overlaps them.
	// Tree t adds to s[t%4], here and in pathSums, so that both sum in the same order.
	nodes, roots := f.nodes, f.roots
	var s [4]float64
	t := 0
	for ; t+4 <= len(roots); t += 4 {
		i0, i1, i2, i3 := roots[t], roots[t+1], roots[t+2], roots[t+3]
		for range f.depth {
			n0, n1, n2, n3 := &nodes[i0], &nodes[i1], &nodes[i2], &nodes[i3]
			i0 = n0.left + b2i(row[n0.split] > n0.value)
			i1 = n1.left + b2i(row[n1.split] > n1.value)
			i2 = n2.left + b2i(row[n2.split] > n2.value)
			i3 = n3.left + b2i(row[n3.split] > n3.value)
		}
		s[0] += f.leafPath[i0]
		s[1] += f.leafPath[i1]
		s[2] += f.leafPath[i2]
		s[3] += f.leafPath[i3]
	}
	for ; t < len(roots); t++ {
		i := roots[t]
		for range f.depth {
			n := &nodes[i]
			i = n.left + b2i(row[n.split] > n.value)
		}
		s[t%4] += f.leafPath[i]
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}

// b2i is 1 for true and 0 for false; the compiler turns it into a flag move, not a branch.
func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// pathSumExtended is pathSum for the extended forest. It too walks four trees at once, but
// adds their path lengths in tree order, as pathSumsExtended does.
func (f *Forest) pathSumExtended(row []float64) float64 {
	nodes, roots := f.nodes, f.roots
	step := func(i int32) int32 {
		n := &nodes[i]
		return n.left + b2i(f.project(n.split, row) > n.value)
	}
	var sum float64
	t := 0
	for ; t+4 <= len(roots); t += 4 {
		i0, i1, i2, i3 := roots[t], roots[t+1], roots[t+2], roots[t+3]
		for range f.depth {
			i0, i1, i2, i3 = step(i0), step(i1), step(i2), step(i3)
		}
		sum += f.leafPath[i0]
		sum += f.leafPath[i1]
		sum += f.leafPath[i2]
		sum += f.leafPath[i3]
	}
	for ; t < len(roots); t++ {
		i := roots[t]
		for range f.depth {
			i = step(i)
		}
		sum += f.leafPath[i]
	}
	return sum
}

// project returns the dot product of row with the normal of hyperplane h.
func (f *Forest) project(h int32, row []float64) float64 {
	lo, hi := f.planeOff[h], f.planeOff[h+1]
	return dot(f.planeDim[lo:hi], f.planeCoef[lo:hi], row)
}

// scoreOf turns a sum of path lengths over all trees into s = 2^(-E[h(x)]/c(ψ)).
func (f *Forest) scoreOf(sum float64) float64 {
	if f.norm == 0 {
		// One training row: every path is 0 and so is c(1); like scikit-learn, call the
		// ratio 1.
		return 0.5
	}
	return math.Exp2(-sum / float64(len(f.roots)) / f.norm)
}

// Score returns the anomaly score s = 2^(-E[h(x)]/c(ψ)) of row, in (0, 1]: higher is more
// anomalous, about 0.5 and below is ordinary. It returns NaN when len(row) != Cols() or row
// holds a NaN, and on a Forest that was never fitted or decoded. ±Inf is an ordinary extreme
// value (in the extended forest, +Inf and -Inf in one row can make a projection NaN, which
// goes to the left child). Score does not allocate.
func (f *Forest) Score(row []float64) float64 {
	if !f.accepts(row) {
		return math.NaN()
	}
	return f.scoreOf(f.pathSum(row))
}

// accepts reports whether f has trees and row is a row it can score.
func (f *Forest) accepts(row []float64) bool {
	return f != nil && len(f.roots) > 0 && len(row) == f.cols && !hasNaN(row)
}

// PathLength returns E[h(x)], the path length of row averaged over the trees, or NaN on the
// same inputs as Score.
func (f *Forest) PathLength(row []float64) float64 {
	if !f.accepts(row) {
		return math.NaN()
	}
	return f.pathSum(row) / float64(len(f.roots))
}

// ScoreBatch writes Score(X.Row(i)) to out[i] for every row of X, spreading the rows over the
// forest's workers. When X.Cols != Cols(), X is malformed or out is shorter than X.Rows, it
// writes NaN to every element of out it can.
func (f *Forest) ScoreBatch(X Matrix, out []float64) {
	if X.Rows == 0 && len(X.Data) == 0 {
		return
	}
	if f == nil || len(f.roots) == 0 || X.check("ScoreBatch") != nil || X.Cols != f.cols || len(out) < X.Rows {
		for i := range out {
			out[i] = math.NaN()
		}
		return
	}
	// Blocks big enough to amortise scheduling, small enough to balance the workers.
	const block = 1024
	blocks := (X.Rows + block - 1) / block
	workers := workerCount(f.workers, blocks)
	if workers == 1 {
		f.scoreRows(X, 0, X.Rows, out)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				b := int(next.Add(1)) - 1
				if b >= blocks {
					return
				}
				lo := b * block
				f.scoreRows(X, lo, min(lo+block, X.Rows), out)
			}
		})
	}
	wg.Wait()
}

// group is how many rows walk a tree together.
const group = 64

// scoreRows scores rows [lo, hi) of X into out.
func (f *Forest) scoreRows(X Matrix, lo, hi int, out []float64) {

	cols := X.Cols
	for start := lo; start < hi; start += group {
		end := min(start+group, hi)
		rows := X.Data[start*cols : end*cols]
		n := end - start
		var sums [group]float64
		if f.extended {
			f.pathSumsExtended(rows, cols, sums[:n])
		} else {
			// A NaN compares false and walks left; the score is replaced below.
			f.pathSums(rows, cols, sums[:n])
		}
		for r := range n {
			if hasNaN(rows[r*cols : (r+1)*cols]) {
				out[start+r] = math.NaN()
			} else {
				out[start+r] = f.scoreOf(sums[r])
			}
		}
	}
}

// pathSums sets sums[r] to the sum over all trees of the path length of row r of rows (cols
// values each, at most 16 rows) in the standard forest. It walks each tree for all the rows
// before moving to the next tree: the walks are independent, so the processor overlaps them,
// and the tree stays in cache.
func (f *Forest) pathSums(rows []float64, cols int, sums []float64) {
	nodes, leafPath, depth := f.nodes, f.leafPath, f.depth
	var idx [group]int32
	var acc [group][4]float64
	n := min(len(sums), len(idx))
	for t, root := range f.roots {
		for r := range n {
			idx[r] = root
		}
		for range depth {
			off := 0
			for r := range n {
				nd := &nodes[idx[r]]
				idx[r] = nd.left + b2i(rows[off+int(nd.split)] > nd.value)
				off += cols
			}
		}
		for r := range n {
			acc[r][t%4] += leafPath[idx[r]]
		}
	}
	for r := range n {
		a := &acc[r]
		sums[r] = (a[0] + a[1]) + (a[2] + a[3])
	}
}

// pathSumsExtended is pathSums for the extended forest. Its hyperplanes are too big to stay
// in cache from one row to the next, which is one more reason to walk a tree for all rows
// before the next tree.
func (f *Forest) pathSumsExtended(rows []float64, cols int, sums []float64) {
	nodes, leafPath, depth := f.nodes, f.leafPath, f.depth
	planeOff, planeDim, planeCoef := f.planeOff, f.planeDim, f.planeCoef
	var idx [group]int32
	n := min(len(sums), len(idx))
	for _, root := range f.roots {
		for r := range n {
			idx[r] = root
		}
		for range depth {
			off := 0
			for r := range n {
				nd := &nodes[idx[r]]
				lo, hi := planeOff[nd.split], planeOff[nd.split+1]
				p := dot(planeDim[lo:hi], planeCoef[lo:hi], rows[off:off+cols])
				idx[r] = nd.left + b2i(p > nd.value)
				off += cols
			}
		}
		for r := range n {
			sums[r] += leafPath[idx[r]]
		}
	}
}

// Contributions writes to out, per feature, the share of row's isolation owed to splits on
// that feature, summed over the trees and normalised to sum to 1. A split that sends row from a
// node of n training rows to a child of m counts log2(n/max(m, 1)): the bits of isolation it
// provided. In the extended forest a split is shared among its hyperplane's features in
// proportion to |normal component|. out is all zeros when no split separated row from any
// training row; it is all NaN when len(row) or len(out) differs from Cols() or row holds a NaN.
func (f *Forest) Contributions(row []float64, out []float64) {
	if !f.accepts(row) || len(out) != f.cols {
		for i := range out {
			out[i] = math.NaN()
		}
		return
	}
	clear(out)
	nodes := f.nodes
	for _, root := range f.roots {
		i := root
		for !f.isLeaf(i) {
			n := &nodes[i]
			var goRight bool
			if f.extended {
				goRight = f.project(n.split, row) > n.value
			} else {
				goRight = row[n.split] > n.value
			}
			child := n.left
			if goRight {
				child++
			}
			bits := f.gain[child]
			if f.extended {
				lo, hi := f.planeOff[n.split], f.planeOff[n.split+1]
				var total float64
				for _, c := range f.planeCoef[lo:hi] {
					total += math.Abs(c)
				}
				if total > 0 {
					share := bits / total
					for k := lo; k < hi; k++ {
						out[f.planeDim[k]] += share * math.Abs(f.planeCoef[k])
					}
				}
			} else {
				out[n.split] += bits
			}
			i = child
		}
	}
	var total float64
	for _, v := range out {
		total += v
	}
	if total > 0 {
		for i := range out {
			out[i] /= total
		}
	}
}
