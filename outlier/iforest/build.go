package iforest

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// tree is one tree before assembly: node indices, hyperplane numbers and component offsets
// are local to it.
type tree struct {
	nodes     []node
	sizes     []int32
	planeOff  []int32 // end of each hyperplane's components in planeDim
	planeDim  []int32
	planeCoef []float64
}

// rng draws the random numbers for one tree. Only the PCG bit stream comes from the standard
// library; the transformations are defined here so that a forest stays reproducible across Go
// releases.
type rng struct{ src *rand.PCG }

// treeRNG returns the generator of tree t: PCG (O'Neill 2014) seeded with two SplitMix64
// outputs of the forest's seed and the tree index, so trees are independent of each other and
// of the order in which they are built.
func treeRNG(seed uint64, t int) rng {
	s := seed + uint64(t)*0x9e3779b97f4a7c15
	hi := splitMix64(&s)
	lo := splitMix64(&s)
	return rng{rand.NewPCG(hi, lo)}
}

// splitMix64 advances *s and returns the next SplitMix64 output (Steele, Lea & Flood 2014).
func splitMix64(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intN returns a uniform integer in [0, n) by Lemire's multiply-and-reject method.
func (r rng) intN(n int) int {
	bound := uint64(n)
	hi, lo := bits.Mul64(r.src.Uint64(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(r.src.Uint64(), bound)
		}
	}
	return int(hi)
}

// float64 returns a uniform k/2^53 in [0, 1).
func (r rng) float64() float64 {
	return float64(r.src.Uint64()>>11) * 0x1p-53
}

// normal returns a standard normal deviate by Marsaglia's polar method.
func (r rng) normal() float64 {
	for {
		u := 2*r.float64() - 1
		v := 2*r.float64() - 1
		s := u*u + v*v
		if s > 0 && s < 1 {
			return u * math.Sqrt(-2*math.Log(s)/s)
		}
	}
}

// uniformIn returns a uniform threshold in [lo, hi) for lo < hi. Rounding can land on hi, and
// a threshold there would send every row left, so it becomes lo, as in scikit-learn.
func (r rng) uniformIn(lo, hi float64) float64 {
	u := r.float64()
	// This form cannot overflow when hi - lo would.
	t := lo*(1-u) + hi*u
	if t < lo || t >= hi {
		return lo
	}
	return t
}

// builder grows trees from one matrix; each worker owns one.
type builder struct {
	X        Matrix
	psi      int
	maxDepth int
	dims     int // components per hyperplane
	extended bool

	sample []float64 // the tree's ψ rows, row-major
	order  []int32   // rows of sample, partitioned node by node
	taken  []uint64  // bitset of rows of X in the sample
	feats  []int32
	lo, hi []float64 // per-column bounds of a node (extended)
	proj   []float64 // projections of a node's rows (extended)
	stack  []frame
}

type frame struct {
	node, lo, hi, depth int32
}

func newBuilder(X Matrix, psi, dims int, extended bool) *builder {
	b := &builder{
		X:        X,
		psi:      psi,
		maxDepth: bits.Len(uint(max(psi, 2) - 1)), // ceil(log2 ψ), as scikit-learn
		dims:     dims,
		extended: extended,
		sample:   make([]float64, psi*X.Cols),
		order:    make([]int32, psi),
		feats:    make([]int32, X.Cols),
	}
	if psi < X.Rows {
		b.taken = make([]uint64, (X.Rows+63)/64)
	}
	if extended {
		b.lo = make([]float64, X.Cols)
		b.hi = make([]float64, X.Cols)
		b.proj = make([]float64, psi)
	}
	return b
}

// draw copies ψ rows of X chosen uniformly without replacement into b.sample, by Floyd's
// algorithm (Bentley & Floyd, "A sample of brilliance", CACM 1987). The order of the rows
// does not matter to the tree.
func (b *builder) draw(r rng) {
	n, cols := b.X.Rows, b.X.Cols
	if b.psi == n {
		copy(b.sample, b.X.Data)
		return
	}
	clear(b.taken)
	k := 0
	for j := n - b.psi; j < n; j++ {
		t := r.intN(j + 1)
		if b.taken[t/64]&(1<<(t%64)) != 0 {
			t = j
		}
		b.taken[t/64] |= 1 << (t % 64)
		copy(b.sample[k*cols:(k+1)*cols], b.X.Data[t*cols:(t+1)*cols])
		k++
	}
}

// grow builds one isolation tree (Liu et al. 2008, algorithm 2) from a fresh sample.
func (b *builder) grow(r rng) tree {
	b.draw(r)
	for i := range b.order {
		b.order[i] = int32(i)
	}
	capacity := min(2*b.psi-1, 1<<(b.maxDepth+1)-1)
	t := tree{nodes: make([]node, 1, capacity), sizes: make([]int32, 1, capacity)}
	b.stack = append(b.stack[:0], frame{0, 0, int32(b.psi), 0})
	for len(b.stack) > 0 {
		fr := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		n := int(fr.hi - fr.lo)
		t.sizes[fr.node] = int32(n)
		var mid int
		split := int32(-1)
		if int(fr.depth) < b.maxDepth && n > 1 {
			if b.extended {
				split, mid = b.splitHyperplane(r, &t, fr.node, int(fr.lo), int(fr.hi))
			} else {
				split, mid = b.splitFeature(r, &t, fr.node, int(fr.lo), int(fr.hi))
			}
		}
		if split < 0 {
			t.nodes[fr.node] = leafNode(fr.node)
			continue
		}
		left := int32(len(t.nodes))
		t.nodes[fr.node].split = split
		t.nodes[fr.node].left = left
		t.nodes = append(t.nodes, node{}, node{})
		t.sizes = append(t.sizes, 0, 0)
		// Right below left on the stack: the left subtree is laid out first.
		b.stack = append(b.stack,
			frame{left + 1, int32(mid), fr.hi, fr.depth + 1},
			frame{left, fr.lo, int32(mid), fr.depth + 1})
	}
	return t
}

// splitFeature splits the rows order[lo:hi] on a feature drawn uniformly among those not
// constant there, at a threshold uniform between their minimum and maximum, as
// scikit-learn's random splitter does. It stores the threshold in node id and returns the
// feature and the first row of the right part, or -1 when every feature is constant.
func (b *builder) splitFeature(r rng, t *tree, id int32, lo, hi int) (int32, int) {
	cols := b.X.Cols
	for i := range b.feats {
		b.feats[i] = int32(i)
	}
	rows := b.order[lo:hi]
	for candidates := cols; candidates > 0; candidates-- {
		j := r.intN(candidates)
		f := int(b.feats[j])
		minV, maxV := math.Inf(1), math.Inf(-1)
		for _, o := range rows {
			v := b.sample[int(o)*cols+f]
			minV = min(minV, v)
			maxV = max(maxV, v)
		}
		if minV < maxV {
			thr := r.uniformIn(minV, maxV)
			t.nodes[id].value = thr
			return int32(f), lo + partition(rows, func(o int32) bool { return b.sample[int(o)*cols+f] <= thr })
		}
		// Constant here, and so in every descendant: draw among the others.
		b.feats[j] = b.feats[candidates-1]
	}
	return -1, 0
}

// splitHyperplane splits the rows order[lo:hi] by a random hyperplane (Hariri et al. 2019,
// algorithm 2): a normal with standard normal components on b.dims dimensions drawn among
// those not constant there (fewer when fewer vary), through a point uniform in the rows'
// bounding box. Rows with x·n <= p·n go left; either side may be empty. It appends the
// hyperplane to t, stores its offset in the node and returns the hyperplane's number and the
// first row of the right part, or -1 when the rows are all equal.
func (b *builder) splitHyperplane(r rng, t *tree, id int32, lo, hi int) (int32, int) {
	cols := b.X.Cols
	rows := b.order[lo:hi]
	for d := range cols {
		b.lo[d], b.hi[d] = math.Inf(1), math.Inf(-1)
	}
	for _, o := range rows {
		x := b.sample[int(o)*cols : int(o+1)*cols]
		for d, v := range x {
			b.lo[d] = min(b.lo[d], v)
			b.hi[d] = max(b.hi[d], v)
		}
	}
	varying := b.feats[:0]
	for d := range cols {
		if b.lo[d] < b.hi[d] {
			varying = append(varying, int32(d))
		}
	}
	if len(varying) == 0 {
		return -1, 0
	}
	k := min(b.dims, len(varying))
	start := len(t.planeDim)
	for a := range k {
		c := a + r.intN(len(varying)-a)
		varying[a], varying[c] = varying[c], varying[a]
	}
	// In column order: a hyperplane on every column is then a plain dense dot product.
	chosen := varying[:k]
	slices.Sort(chosen)
	var offset float64
	for _, d := range chosen {
		coef := r.normal()
		p := b.lo[d] + r.float64()*(b.hi[d]-b.lo[d])
		t.planeDim = append(t.planeDim, d)
		t.planeCoef = append(t.planeCoef, coef)
		offset += coef * p
	}
	dims, coefs := t.planeDim[start:], t.planeCoef[start:]
	for i, o := range rows {
		b.proj[i] = dot(dims, coefs, b.sample[int(o)*cols:int(o+1)*cols])
	}
	proj := b.proj[:len(rows)]
	// Partition rows and their projections together.
	i, j := 0, len(rows)
	for i < j {
		if proj[i] <= offset {
			i++
			continue
		}
		j--
		rows[i], rows[j] = rows[j], rows[i]
		proj[i], proj[j] = proj[j], proj[i]
	}
	plane := int32(len(t.planeOff))
	t.planeOff = append(t.planeOff, int32(len(t.planeDim)))
	t.nodes[id].value = offset
	return plane, lo + i
}

// dot returns Σ coefs[k]·row[dims[k]] for dims in increasing order. Building and scoring share
// it, so a training row lands on the same side of a hyperplane in both. Four partial sums let
// the additions overlap.
func dot(dims []int32, coefs []float64, row []float64) float64 {
	var s0, s1, s2, s3 float64
	k := 0
	coefs = coefs[:len(dims)]
	if len(dims) == len(row) {
		// Every column, so dims[k] == k: the same sums without the indirection.
		for ; k+4 <= len(row); k += 4 {
			s0 += coefs[k] * row[k]
			s1 += coefs[k+1] * row[k+1]
			s2 += coefs[k+2] * row[k+2]
			s3 += coefs[k+3] * row[k+3]
		}
		for ; k < len(row); k++ {
			s0 += coefs[k] * row[k]
		}
		return (s0 + s1) + (s2 + s3)
	}
	for ; k+4 <= len(dims); k += 4 {
		s0 += coefs[k] * row[dims[k]]
		s1 += coefs[k+1] * row[dims[k+1]]
		s2 += coefs[k+2] * row[dims[k+2]]
		s3 += coefs[k+3] * row[dims[k+3]]
	}
	for ; k < len(dims); k++ {
		s0 += coefs[k] * row[dims[k]]
	}
	return (s0 + s1) + (s2 + s3)
}

// partition reorders rows so that those for which left is true come first, and returns how
// many there are.
func partition(rows []int32, left func(int32) bool) int {
	i, j := 0, len(rows)
	for i < j {
		if left(rows[i]) {
			i++
			continue
		}
		j--
		rows[i], rows[j] = rows[j], rows[i]
	}
	return i
}
