// Package fsort sorts float64 slices by radix: a least-significant-digit
// radix sort on the IEEE 754 bits, mapped so that unsigned order is numeric
// order, costs a few linear passes where a comparison sort costs n log n
// comparisons, which matters for the millions of values of a reference
// column.
package fsort

import (
	"math"
	"slices"
)

// radixMin is the length below which a comparison sort is faster.
const radixMin = 4096

// Sort sorts v ascending. Slices holding NaN are sorted by slices.Sort
// (NaN first), so the result is always what slices.Sort gives, except that
// -0 sorts before +0, which slices.Sort leaves in any order.
func Sort(v []float64) {
	n := len(v)
	if n < radixMin {
		slices.Sort(v)
		return
	}
	keys := make([]uint64, 2*n)
	src, dst := keys[:n], keys[n:]
	var counts [8][256]int
	for i, f := range v {
		b := math.Float64bits(f)
		if f != f {
			slices.Sort(v)
			return
		}
		// Negative numbers: flip every bit, so larger magnitudes come
		// first; others: set the sign bit, so they follow the negatives.
		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		src[i] = b
		for d := range 8 {
			counts[d][byte(b>>(8*d))]++
		}
	}
	for d := range 8 {
		c := &counts[d]
		shift := uint(8 * d)
		if c[byte(src[0]>>shift)] == n {
			continue // every key has this digit: the pass would change nothing
		}
		sum := 0
		for i, k := range c {
			c[i] = sum
			sum += k
		}
		for _, k := range src {
			x := byte(k >> shift)
			dst[c[x]] = k
			c[x]++
		}
		src, dst = dst, src
	}
	for i, b := range src {
		if b>>63 == 1 {
			b &^= 1 << 63
		} else {
			b = ^b
		}
		v[i] = math.Float64frombits(b)
	}
}
