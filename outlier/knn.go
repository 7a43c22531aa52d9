package outlier

import (
	"math"
	"slices"
)

// knnIndex answers the mean distance to the k nearest rows of a reference
// sample exactly, with a k-d tree (Friedman, Bentley and Finkel, 1977)
// searched nearer child first and pruned by the incremental distance from
// the query to each cell (Arya and Mount, 1993). With many features the
// pruning fades and the search degrades gracefully to a brute-force scan of
// a flat array; each distance is abandoned once it exceeds the k-th best.
type knnIndex struct {
	k, dim int
	points []float64 // row-major, in tree order
	nodes  []kdNode
}

// kdNode is a cell of the tree. A leaf (split < 0) holds points [lo, hi);
// an internal node's children are nodes left and left+1: points of the first
// have coordinate split <= value, of the second >= value.
type kdNode struct {
	value  float64
	split  int32
	left   int32
	lo, hi int32
}

const kdLeafSize = 12

func newKNNIndex(points []float64, dim, k int) knnIndex {
	n := len(points) / dim
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	x := knnIndex{k: min(k, n), dim: dim}
	x.nodes = append(x.nodes, kdNode{})
	x.build(points, order, 0, 0, n)
	x.points = make([]float64, 0, n*dim)
	for _, i := range order {
		x.points = append(x.points, points[i*dim:(i+1)*dim]...)
	}
	return x
}

// build makes node id the cell of order[lo:hi].
func (x *knnIndex) build(points []float64, order []int, id, lo, hi int) {
	dim := x.dim
	split, spread := -1, 0.0
	if hi-lo > kdLeafSize {
		for d := range dim {
			mn, mx := math.Inf(1), math.Inf(-1)
			for _, i := range order[lo:hi] {
				v := points[i*dim+d]
				mn, mx = min(mn, v), max(mx, v)
			}
			if mx-mn > spread {
				split, spread = d, mx-mn
			}
		}
	}
	if split < 0 { // small or all points equal
		x.nodes[id] = kdNode{split: -1, lo: int32(lo), hi: int32(hi)}
		return
	}
	cell := order[lo:hi]
	slices.SortStableFunc(cell, func(a, b int) int {
		va, vb := points[a*dim+split], points[b*dim+split]
		switch {
		case va < vb:
			return -1
		case va > vb:
			return 1
		}
		return 0
	})
	mid := (lo + hi) / 2
	left := len(x.nodes)
	x.nodes = append(x.nodes, kdNode{}, kdNode{})
	x.nodes[id] = kdNode{split: int32(split), value: points[order[mid]*dim+split], left: int32(left)}
	x.build(points, order, left, lo, mid)
	x.build(points, order, left+1, mid, hi)
}

// knnSearch is one query's state.
type knnSearch struct {
	x     *knnIndex
	q     []float64
	off   []float64 // per dimension, the query's offset from the current cell
	best  []float64 // ascending squared distances, at most k
	worst float64   // k-th best squared distance, +Inf until k are known
}

// meanDistance returns the mean Euclidean distance from q to its k nearest
// rows; best (capacity k) and off (length dim) are scratch.
func (x *knnIndex) meanDistance(q, best, off []float64) float64 {
	clear(off)
	s := knnSearch{x: x, q: q, off: off, best: best[:0], worst: math.Inf(1)}
	s.visit(0, 0)
	var sum float64
	for _, d2 := range s.best {
		sum += math.Sqrt(d2)
	}
	return sum / float64(len(s.best))
}

// visit searches node id, whose cell is at squared distance at least rd.
func (s *knnSearch) visit(id int32, rd float64) {
	n := &s.x.nodes[id]
	if n.split < 0 {
		s.scan(int(n.lo), int(n.hi))
		return
	}
	d := n.split
	diff := s.q[d] - n.value
	near, far := n.left, n.left+1
	if diff > 0 {
		near, far = far, near
	}
	s.visit(near, rd)
	old := s.off[d]
	rd += diff*diff - old*old
	if rd < s.worst {
		s.off[d] = diff
		s.visit(far, rd)
		s.off[d] = old
	}
}

func (s *knnSearch) scan(lo, hi int) {
	dim, k := s.x.dim, s.x.k
	q := s.q[:dim]
	worst := s.worst // kept in a register through the loop
	for i := lo; i < hi; i++ {
		p := s.x.points[i*dim : (i+1)*dim]
		var d2 float64
		j := 0
		// Two sums over eight values let the additions overlap; the k-th
		// best distance is checked between blocks.
		for ; j+8 <= dim && d2 < worst; j += 8 {
			qq, pp := q[j:j+8:j+8], p[j:j+8:j+8]
			a0, a1, a2, a3 := qq[0]-pp[0], qq[1]-pp[1], qq[2]-pp[2], qq[3]-pp[3]
			b0, b1, b2, b3 := qq[4]-pp[4], qq[5]-pp[5], qq[6]-pp[6], qq[7]-pp[7]
			d2 += (a0*a0 + a1*a1 + a2*a2 + a3*a3) + (b0*b0 + b1*b1 + b2*b2 + b3*b3)
		}
		for ; j < dim; j++ {
			a := q[j] - p[j]
			d2 += a * a
		}
		if d2 >= worst {
			continue
		}
		pos, _ := slices.BinarySearch(s.best, d2)
		if len(s.best) < k {
			s.best = slices.Insert(s.best, pos, d2)
		} else {
			copy(s.best[pos+1:], s.best[pos:k-1])
			s.best[pos] = d2
		}
		if len(s.best) == k {
			worst = s.best[k-1]
		}
	}
	s.worst = worst
}
