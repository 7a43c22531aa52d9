package dataset

import (
	"math"
	"strconv"
	"unsafe"

	"github.com/warden-ml/warden/internal/civil"
)

// trimSpace removes ASCII spaces and tabs around a cell before it is parsed
// as a number, boolean, date or missing marker; category levels keep the
// text as written.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// isMissing reports whether a trimmed cell is one of the missing-value
// markers: empty, NA, N/A, null, None, NaN (case-insensitive).
func isMissing(b []byte) bool {
	// OR-ing 0x20 lower-cases ASCII letters; no other byte maps onto the
	// letters compared here.
	switch len(b) {
	case 0:
		return true
	case 2:
		return b[0]|0x20 == 'n' && b[1]|0x20 == 'a'
	case 3:
		return b[0]|0x20 == 'n' && (b[1] == '/' && b[2]|0x20 == 'a' || b[1]|0x20 == 'a' && b[2]|0x20 == 'n')
	case 4:
		return b[0]|0x20 == 'n' && (b[1]|0x20 == 'u' && b[2]|0x20 == 'l' && b[3]|0x20 == 'l' ||
			b[1]|0x20 == 'o' && b[2]|0x20 == 'n' && b[3]|0x20 == 'e')
	}
	return false
}

// equalFoldASCII compares b with a lower-case ASCII word, ignoring case.
func equalFoldASCII(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber parses a trimmed, non-missing cell as a decimal number:
// [+-] digits [. digits] [(e|E) [+-] digits], or inf / infinity with an
// optional sign (case-insensitive). Hexadecimal floats and digit separators,
// which strconv.ParseFloat accepts, are rejected: no data file means them.
//
// Most cells take Clinger's fast path (an exactly representable mantissa
// scaled by an exact power of ten is correctly rounded by one IEEE division
// or multiplication); the rest go to strconv.ParseFloat, which rounds
// correctly in every case.
func parseNumber(b []byte) (float64, bool) {
	i := 0
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		i = 1
	}
	var mant uint64 // wraps past 19 digits; strconv takes over then
	from := i
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		mant = mant*10 + uint64(d)
	}
	digits := i - from
	exp := 0
	if i < len(b) && b[i] == '.' {
		i++
		from = i
		for ; i < len(b); i++ {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			mant = mant*10 + uint64(d)
		}
		digits += i - from
		exp = from - i
	}
	if digits == 0 {
		return parseInf(b)
	}
	if i < len(b) && b[i]|0x20 == 'e' {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		from = i
		e := 0
		for ; i < len(b); i++ {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			if e < 100000 {
				e = e*10 + int(d)
			}
		}
		if i == from {
			return 0, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(b) {
		return 0, false
	}
	if digits <= 19 && mant <= 1<<53 && exp >= -22 && exp <= 22 {
		f := float64(mant)
		if exp < 0 {
			f /= pow10[-exp]
		} else {
			f *= pow10[exp]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	// The syntax is checked above, so strconv only ever sees a plain
	// decimal; an out-of-range error still carries the right ±Inf.
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	if err != nil && err.(*strconv.NumError).Err != strconv.ErrRange {
		return 0, false
	}
	return f, true
}

// parseInf parses inf or infinity (any case) with an optional sign.
func parseInf(b []byte) (float64, bool) {
	sign := 1
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		if b[0] == '-' {
			sign = -1
		}
		b = b[1:]
	}
	if !equalFoldASCII(b, "inf") && !equalFoldASCII(b, "infinity") {
		return 0, false
	}
	return math.Inf(sign), true
}

// parseBool parses a trimmed, non-missing cell as a boolean: true/false,
// yes/no, t/f (case-insensitive) or a number equal to 1 or 0.
func parseBool(b []byte) (float64, bool) {
	switch {
	case equalFoldASCII(b, "true"), equalFoldASCII(b, "yes"), equalFoldASCII(b, "t"):
		return 1, true
	case equalFoldASCII(b, "false"), equalFoldASCII(b, "no"), equalFoldASCII(b, "f"):
		return 0, true
	}
	if v, ok := parseNumber(b); ok && (v == 0 || v == 1) {
		return v, true
	}
	return 0, false
}

// parseDatetime parses a trimmed ISO-8601 date or date-time into Unix
// seconds, UTC:
//
//	YYYY-MM-DD
//	YYYY-MM-DD(T|t| )hh:mm[:ss[.fraction]][Z|z|±hh[[:]mm]]
//
// A time without an offset is taken as UTC.
func parseDatetime(b []byte) (float64, bool) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	year, ok1 := digitsN(b[0:4])
	month, ok2 := digitsN(b[5:7])
	day, ok3 := digitsN(b[8:10])
	if !ok1 || !ok2 || !ok3 || month < 1 || month > 12 || day < 1 || day > civil.DaysIn(year, month) {
		return 0, false
	}
	secs := float64(civil.DaysFromEpoch(year, month, day)) * 86400
	if len(b) == 10 {
		return secs, true
	}
	b = b[10:]
	if b[0] != 'T' && b[0] != 't' && b[0] != ' ' || len(b) < 6 || b[3] != ':' {
		return 0, false
	}
	hour, ok1 := digitsN(b[1:3])
	minute, ok2 := digitsN(b[4:6])
	if !ok1 || !ok2 || hour > 23 || minute > 59 {
		return 0, false
	}
	b = b[6:]
	second, nanos := 0, 0
	if len(b) > 0 && b[0] == ':' {
		var ok bool
		if len(b) < 3 {
			return 0, false
		}
		if second, ok = digitsN(b[1:3]); !ok || second > 59 {
			return 0, false
		}
		b = b[3:]
		if len(b) > 0 && (b[0] == '.' || b[0] == ',') {
			n := 1
			scale := 100000000
			for ; n < len(b) && b[n]-'0' < 10; n++ {
				nanos += int(b[n]-'0') * scale
				scale /= 10
			}
			if n == 1 {
				return 0, false
			}
			b = b[n:]
		}
	}
	offset, ok := parseOffset(b)
	if !ok {
		return 0, false
	}
	return secs + float64(hour*3600+minute*60+second-offset) + float64(nanos)/1e9, true
}

// parseOffset parses what follows the time: nothing, Z, or ±hh[[:]mm],
// returning the offset east of UTC in seconds.
func parseOffset(b []byte) (int, bool) {
	switch {
	case len(b) == 0:
		return 0, true
	case len(b) == 1 && (b[0] == 'Z' || b[0] == 'z'):
		return 0, true
	case b[0] != '+' && b[0] != '-' || len(b) < 3:
		return 0, false
	}
	sign := 1
	if b[0] == '-' {
		sign = -1
	}
	h, ok := digitsN(b[1:3])
	if !ok || h > 23 {
		return 0, false
	}
	m := 0
	switch rest := b[3:]; {
	case len(rest) == 0:
	case len(rest) == 2:
		m, ok = digitsN(rest)
	case len(rest) == 3 && rest[0] == ':':
		m, ok = digitsN(rest[1:])
	default:
		ok = false
	}
	if !ok || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// digitsN parses a fixed-width run of ASCII digits.
func digitsN(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c-'0' >= 10 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
