package event

import (
	"encoding/binary"
	"math/bits"
)

// Eight bytes at a time (SWAR: SIMD within a register), for the digits of
// numbers and the plain bytes of strings.

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// load8 reads b[i:i+8] as a little-endian word: the first byte is lowest.
func load8(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i : i+8]) }

// allDigits reports whether every byte of v is an ASCII digit: a digit's
// high nibble is 3 both before and after adding 6, which pushes ':' to
// '?' into 0x40; a byte that carries into the next fails on its own.
func allDigits(v uint64) bool {
	return v&0xf0f0f0f0f0f0f0f0|(v+0x0606060606060606)&0xf0f0f0f0f0f0f0f0>>4 == 0x3333333333333333
}

// digitsValue returns the number written by the eight ASCII digits in v,
// combining neighbours into 2-, then 4-, then 8-digit values with three
// multiplications (the method of Lemire's fast_float).
func digitsValue(v uint64) uint64 {
	v -= 0x3030303030303030
	// Each 16-bit lane's low byte becomes 10·first + second digit.
	v = v*10 + v>>8
	// Pairs (lanes 0,2) and (1,3) of each 32-bit half weigh 100 and 1, and
	// the halves 10^4 apart; the sum lands in bits 32 to 63.
	const mask = 0x000000ff000000ff
	const mulA = 100 + 1000000<<32
	const mulB = 1 + 10000<<32
	return ((v&mask)*mulA + (v>>16&mask)*mulB) >> 32 & 0xffffffff
}

// specialBytes returns a word whose high bit is set in the lowest byte of v
// that a string scan must stop at: '"', '\\', a control character or a
// non-ASCII byte. Bytes above that one may be marked falsely.
func specialBytes(v uint64) uint64 {
	quote := v ^ swarOnes*'"'
	backslash := v ^ swarOnes*'\\'
	return ((quote-swarOnes)&^quote | (backslash-swarOnes)&^backslash | (v - swarOnes*0x20) | v) & swarHighs
}

// asciiSpecialBytes is specialBytes without the non-ASCII bytes: a byte
// with its high bit set neither equals the quote or backslash nor borrows.
func asciiSpecialBytes(v uint64) uint64 {
	quote := v ^ swarOnes*'"'
	backslash := v ^ swarOnes*'\\'
	return ((quote-swarOnes)&^quote | (backslash-swarOnes)&^backslash | (v-swarOnes*0x20)&^v) & swarHighs
}

// firstMarked is the byte index of the lowest marked byte of a non-zero
// specialBytes result.
func firstMarked(m uint64) int { return bits.TrailingZeros64(m) >> 3 }
