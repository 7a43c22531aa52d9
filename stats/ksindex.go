package stats

import (
	"fmt"
	"math"
	"sort"
)

// KSIndex is a large sorted sample prepared for many two-sample KS tests
// against small samples, as a stream tests each window against its
// reference. Merging a window of n values through a reference of m costs
// n + m steps; the index finds where each window value falls among the
// reference in a few steps (a table of bucket starts over the reference's
// range, then a search inside one bucket), so a test costs about n steps.
// The statistic is exactly the merge's: between two consecutive window
// values the window's CDF is constant and the reference's only grows, so the
// largest difference there is at one end of the stretch, and the ends are the
// reference counts below and up to each window value.
type KSIndex struct {
	y      []float64
	lo     float64
	scale  float64 // buckets per unit of value
	starts []int32 // starts[b]: the first index of y at or above bucket b's lower bound
}

// maxKSBuckets bounds the index's table (4 bytes a bucket).
const maxKSBuckets = 1 << 16

// NewKSIndex indexes y, which must be sorted ascending and finite. The index
// keeps y; it must not change afterwards.
func NewKSIndex(y []float64) (*KSIndex, error) {
	if len(y) == 0 {
		return nil, fmt.Errorf("stats: KS index: the sample is empty")
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("stats: KS index: y[%d] = %v is not finite", i, v)
		}
		if i > 0 && v < y[i-1] {
			return nil, fmt.Errorf("stats: KS index: y is not sorted ascending: y[%d] = %v after y[%d] = %v", i, v, i-1, y[i-1])
		}
	}
	k := &KSIndex{y: y, lo: y[0]}
	buckets := min(max(len(y)/2, 1), maxKSBuckets)
	width := y[len(y)-1] - y[0]
	if !(width > 0) || math.IsInf(width, 0) {
		return k, nil // one distinct value, or a range too wide to bucket: plain searches
	}
	k.scale = float64(buckets) / width
	k.starts = make([]int32, buckets+1)
	j := 0
	for b := range k.starts {
		bound := k.lo + float64(b)/k.scale
		for j < len(y) && y[j] < bound {
			j++
		}
		k.starts[b] = int32(j)
	}
	k.starts[buckets] = int32(len(y))
	return k, nil
}

// ranks returns how many indexed values are below v and how many are at
// most v.
func (k *KSIndex) ranks(v float64) (lt, le int) {
	lo, hi := 0, len(k.y)
	if k.starts != nil {
		// One bucket of slack on each side covers rounding in the bucket
		// arithmetic; values beyond the range, infinities included, fall
		// in the end buckets.
		nb := len(k.starts) - 1
		switch f := (v - k.lo) * k.scale; {
		case !(f >= 1):
			hi = int(k.starts[min(2, nb)])
		case f >= float64(nb-1):
			lo = int(k.starts[max(nb-2, 0)])
		default:
			b := int(f)
			lo, hi = int(k.starts[b-1]), int(k.starts[min(b+2, nb)])
		}
	}
	span := k.y[lo:hi]
	lt = lo + sort.SearchFloat64s(span, v)
	le = lt
	for le < len(k.y) && k.y[le] == v {
		le++
	}
	return lt, le
}

// Statistic is the two-sample KS statistic D of x against the indexed
// sample, exactly as KSTwoSample computes it; x must be sorted ascending.
func (k *KSIndex) Statistic(x []float64) float64 {
	n1, n2 := float64(len(x)), float64(len(k.y))
	d := 0.0
	for i := 0; i < len(x); {
		v := x[i]
		below := i
		for i < len(x) && x[i] == v {
			i++
		}
		lt, le := k.ranks(v)
		// The last reference value before v, then v itself.
		d = max(d, math.Abs(float64(below)/n1-float64(lt)/n2), math.Abs(float64(i)/n1-float64(le)/n2))
	}
	return d
}

// Test is KSTwoSampleSorted(y, x) with the indexed sample y first, or with
// asymp KSTwoSampleSortedAsymp(y, x); x must be sorted ascending, without
// NaN.
func (k *KSIndex) Test(x []float64, asymp bool) (KSResult, error) {
	if err := checkSorted("x", x); err != nil {
		return KSResult{}, err
	}
	d := k.Statistic(x)
	if asymp {
		return KSResult{Statistic: d, PValue: ksAsymp(d, len(k.y), len(x)), Method: KSAsymp}, nil
	}
	d, p, method := ksPValue(d, len(k.y), len(x))
	return KSResult{Statistic: d, PValue: p, Method: method}, nil
}
