package event

import (
	"math"
	"math/bits"
)

// Powers of ten that eiselLemire covers; the range holds the exponents of
// nearly every number a model writes, and strconv takes the rest.
const (
	minPow10 = -64
	maxPow10 = 64
)

// pow10Entry is 10^e scaled into [2^127, 2^128) and truncated:
// 10^e ≈ (hi·2^64 + lo) / 2^shift.
type pow10Entry struct {
	hi, lo uint64
	shift  int
}

// eiselLemire returns the float64 nearest to mant·10^exp10 by the
// Eisel–Lemire algorithm (D. Lemire, "Number Parsing at a Gigabyte per
// Second", Software: Practice and Experience, 2021): multiply the
// normalised mantissa by a 128-bit approximation of the power of ten and
// round, declining (ok false) in the rare cases where the truncated
// approximation cannot decide the rounding, and for results that are
// subnormal or overflow. mant must be non-zero.
func eiselLemire(mant uint64, exp10 int, neg bool) (f float64, ok bool) {
	if exp10 < minPow10 || exp10 > maxPow10 {
		return 0, false
	}
	pow := &pow10Table[exp10-minPow10]
	lz := bits.LeadingZeros64(mant)
	w := mant << lz

	// The top 128 bits of w·pow; the truncation of pow and of the product
	// can make them low by less than w in the lower word.
	hi, lo := bits.Mul64(w, pow.hi)
	if hi&0x1ff == 0x1ff && lo+w < lo {
		// The error could carry into the bits that decide the rounding:
		// add the product with the low word of pow.
		hi2, lo2 := bits.Mul64(w, pow.lo)
		var carry uint64
		lo, carry = bits.Add64(lo, hi2, 0)
		hi += carry
		if hi&0x1ff == 0x1ff && lo == math.MaxUint64 && lo2+w < lo2 {
			return 0, false
		}
	}

	// Keep 54 bits: the 53 of the result and one to round with.
	upper := int(hi >> 63)
	m := hi >> (9 + upper)
	if lo == 0 && hi&0x1ff == 0 && m&3 == 1 {
		// Exactly half-way as far as the approximation can tell.
		return 0, false
	}
	m = (m + m&1) >> 1
	// value ≈ m·2^(138+upper-lz-shift), and a float64 is m·2^(e-1075).
	e := 1213 + upper - lz - pow.shift
	if m == 1<<53 {
		m >>= 1
		e++
	}
	if e < 1 || e > 2046 {
		return 0, false
	}
	b := uint64(e)<<52 | m&(1<<52-1)
	if neg {
		b |= 1 << 63
	}
	return math.Float64frombits(b), true
}
