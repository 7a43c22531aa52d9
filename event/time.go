package event

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/warden-ml/warden/internal/civil"
)

// Event times are kept within the years 1 to 9999, which RFC 3339 can
// write back.
const (
	minUnix = -62135596800 // 0001-01-01T00:00:00Z
	maxUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// parseTime reads an RFC 3339 date-time, 2006-01-02T15:04:05 with an
// optional fraction and offset; without an offset it is UTC. ISO 8601's
// lower-case t and z, a space for the T, a comma before the fraction and
// offsets written +hhmm or +hh are accepted too. The result is in UTC.
func parseTime(s []byte) (time.Time, string) {
	bad := func() (time.Time, string) {
		return time.Time{}, fmt.Sprintf("want RFC 3339 like 2026-01-01T00:00:01.250Z or Unix seconds, got %s", quoteToken(s))
	}
	if len(s) < len("2006-01-02T15:04:05") ||
		s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return bad()
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return bad()
	}
	i := 19
	nsec := 0
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		n := 0
		for ; i < len(s) && isDigit(s[i]); i++ {
			// Digits past nanoseconds are dropped.
			if n < 9 {
				nsec = nsec*10 + int(s[i]-'0')
			}
			n++
		}
		if n == 0 {
			return bad()
		}
		for ; n < 9; n++ {
			nsec *= 10
		}
	}
	offset := 0
	if i < len(s) {
		switch s[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			sign := 1
			if s[i] == '-' {
				sign = -1
			}
			i++
			if i+2 > len(s) {
				return bad()
			}
			oh, ok := digits(s[i : i+2])
			if !ok || oh > 23 {
				return bad()
			}
			i += 2
			om := 0
			if i < len(s) {
				if s[i] == ':' {
					i++
				}
				if i+2 > len(s) {
					return bad()
				}
				m, ok := digits(s[i : i+2])
				if !ok || m > 59 {
					return bad()
				}
				om = m
				i += 2
			}
			offset = sign * (oh*3600 + om*60)
		}
	}
	if i != len(s) || month < 1 || month > 12 || day < 1 || day > civil.DaysIn(year, month) ||
		hour > 23 || minute > 59 || sec > 59 {
		return bad()
	}
	unix := civil.DaysFromEpoch(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	if unix < minUnix || unix > maxUnix {
		return time.Time{}, fmt.Sprintf("%s is out of range (years 1 to 9999 in UTC)", quoteToken(s))
	}
	return time.Unix(unix, int64(nsec)).UTC(), ""
}

// digits reads a short run of decimal digits.
func digits(s []byte) (int, bool) {
	n := 0
	for _, c := range s {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// unixTime reads a JSON number of Unix seconds. Plain decimals are read
// exactly, to the nanosecond; exponent forms go through float64.
func unixTime(num []byte) (time.Time, string) {
	var sec, nsec int64
	text := num
	if bytes.ContainsAny(num, "eE") {
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil || f < minUnix || f >= maxUnix+1 {
			return time.Time{}, outOfRange(text, f)
		}
		whole := math.Floor(f)
		sec, nsec = int64(whole), int64(math.Round((f-whole)*1e9))
	} else {
		neg := num[0] == '-'
		if neg {
			num = num[1:]
		}
		intPart, frac, _ := bytes.Cut(num, []byte{'.'})
		// 13 digits is past year 9999 already; more could overflow.
		if len(intPart) > 13 {
			f, _ := strconv.ParseFloat(string(num), 64)
			return time.Time{}, outOfRange(text, f)
		}
		for _, c := range intPart {
			sec = sec*10 + int64(c-'0')
		}
		for k := range 9 {
			nsec *= 10
			if k < len(frac) {
				nsec += int64(frac[k] - '0')
			}
		}
		if neg {
			sec = -sec
			if nsec > 0 {
				sec, nsec = sec-1, 1e9-nsec
			}
		}
		if sec < minUnix || sec > maxUnix {
			return time.Time{}, outOfRange(text, float64(sec))
		}
	}
	return time.Unix(sec, nsec).UTC(), ""
}

func outOfRange(num []byte, f float64) string {
	msg := fmt.Sprintf("%s Unix seconds is out of range (years 1 to 9999)", num)
	if math.Abs(f) <= maxUnix*1000 {
		msg += "; milliseconds? want seconds"
	}
	return msg
}
