package event

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// errShort says the input window ended inside the item: the caller reads
// more and parses the item again, or reports a truncated item.
var errShort = errors.New("unexpected end of input")

// syntaxError is malformed JSON at b[idx] of the parser's window.
type syntaxError struct {
	idx int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

func (p *parser) syntax(i int, want string) error {
	return &syntaxError{idx: i, msg: fmt.Sprintf("want %s, got %s", want, describeByte(p.b[i]))}
}

// describeByte names a byte for a message: 'x' when printable.
func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// kindOf names the JSON type of the value starting with c.
func kindOf(c byte) string {
	switch {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "bool"
	case c == 'n':
		return "null"
	case c == '-' || isDigit(c):
		return "number"
	case c == 'N':
		return "NaN" // or a syntax error, which the caller reports instead
	case c == 'I':
		return "Infinity"
	}
	return describeByte(c)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isLetter(c byte) bool {
	c |= 0x20
	return c >= 'a' && c <= 'z'
}

// skipSpace returns the index of the first non-whitespace byte of b from i,
// or len(b).
func skipSpace(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && isSpace(b[i]) {
		i++
	}
	return i
}

// plainByte marks the bytes a JSON string holds as they are: printable
// ASCII except the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads the JSON string at b[i] == '"'. The result is a slice of the
// input when the string has no escapes, else it is decoded into *dst; with
// dst nil the string is only checked. prob names a problem that does not
// hide where the string ends (a bad escape, invalid UTF-8, a raw control
// character); parsing goes on after it.
func (p *parser) str(i int, dst *[]byte) (s []byte, next int, prob string, err error) {
	b := p.b
	i++
	start := i
	for i+8 <= len(b) {
		if m := specialBytes(load8(b, i)); m != 0 {
			i += firstMarked(m)
			if b[i] == '"' {
				return b[start:i], i + 1, "", nil
			}
			return p.strSlow(start, i, dst)
		}
		i += 8
	}
	for i < len(b) && plainByte[b[i]] {
		i++
	}
	if i < len(b) && b[i] == '"' {
		return b[start:i], i + 1, "", nil
	}
	return p.strSlow(start, i, dst)
}

// strSlow finishes a string from b[i] once str meets a byte that needs care.
func (p *parser) strSlow(start, i int, dst *[]byte) ([]byte, int, string, error) {
	b := p.b
	var out []byte
	decoding := false // out holds the string up to run
	run := start
	nonASCII := false
	prob := ""
	for {
		// Skip runs of bytes that need no care, non-ASCII ones included.
		for i+8 <= len(b) {
			v := load8(b, i)
			m := asciiSpecialBytes(v)
			nonASCII = nonASCII || v&swarHighs != 0
			if m != 0 {
				i += firstMarked(m)
				break
			}
			i += 8
		}
		if i >= len(b) {
			return nil, i, "", errShort
		}
		c := b[i]
		switch {
		case plainByte[c]:
			i++
		case c == '"':
			s := b[start:i]
			if decoding {
				out = append(out, b[run:i]...)
				*dst = out
				s = out
			}
			if nonASCII && prob == "" && !utf8.Valid(s) {
				prob = "invalid UTF-8 in string"
			}
			return s, i + 1, prob, nil
		case c >= 0x80:
			nonASCII = true
			i++
		case c < 0x20:
			if prob == "" {
				prob = fmt.Sprintf("control character 0x%02x in string (must be escaped)", c)
			}
			i++
		default: // backslash
			r, n, eprob, err := p.escape(i)
			if err != nil {
				return nil, i, "", err
			}
			if dst != nil {
				if !decoding {
					decoding = true
					out = (*dst)[:0]
				}
				out = append(out, b[run:i]...)
				if eprob == "" {
					out = utf8.AppendRune(out, r)
				}
			}
			if eprob != "" && prob == "" {
				prob = eprob
			}
			i += n
			run = i
		}
	}
}

// escape decodes the escape sequence at b[i] == '\\' and says how many bytes
// it spans; a surrogate pair is one sequence.
func (p *parser) escape(i int) (r rune, n int, prob string, err error) {
	b := p.b
	if i+1 >= len(b) {
		return 0, 0, "", errShort
	}
	switch c := b[i+1]; c {
	case '"', '\\', '/':
		return rune(c), 2, "", nil
	case 'b':
		return '\b', 2, "", nil
	case 'f':
		return '\f', 2, "", nil
	case 'n':
		return '\n', 2, "", nil
	case 'r':
		return '\r', 2, "", nil
	case 't':
		return '\t', 2, "", nil
	case 'u':
	default:
		if c < 0x20 || c >= 0x7f {
			return 0, 2, fmt.Sprintf("invalid escape \\ followed by byte 0x%02x in string", c), nil
		}
		return 0, 2, fmt.Sprintf("invalid escape \\%c in string", c), nil
	}
	r, ok, err := hex4(b, i+2)
	switch {
	case err != nil:
		return 0, 0, "", err
	case !ok:
		return 0, 2, "invalid \\u escape in string: want 4 hex digits", nil
	case !utf16.IsSurrogate(r):
		return r, 6, "", nil
	}
	lone := fmt.Sprintf("lone UTF-16 surrogate \\u%04x in string", r)
	if r >= 0xdc00 {
		return 0, 6, lone, nil
	}
	// A high surrogate must be followed by a \u escape of a low one.
	if i+7 >= len(b) {
		return 0, 0, "", errShort
	}
	if b[i+6] != '\\' || b[i+7] != 'u' {
		return 0, 6, lone, nil
	}
	low, ok, err := hex4(b, i+8)
	switch {
	case err != nil:
		return 0, 0, "", err
	case !ok || low < 0xdc00 || low >= 0xe000:
		return 0, 6, lone, nil
	}
	return utf16.DecodeRune(r, low), 12, "", nil
}

// hex4 reads four hex digits at b[j].
func hex4(b []byte, j int) (rune, bool, error) {
	var r rune
	for k := j; k < j+4; k++ {
		if k >= len(b) {
			return 0, false, errShort
		}
		c := b[k]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false, nil
		}
		r = r<<4 | rune(c)
	}
	return r, true, nil
}

// scanNumber checks the JSON number at b[i] and returns where it ends. A
// token that starts like a number but breaks the grammar ("01", "1.", "1e",
// "-Infinity") is a problem, not a syntax error: it still ends clearly.
func (p *parser) scanNumber(i int) (next int, prob string, err error) {
	b := p.b
	j := i
	if b[j] == '-' {
		j++
		if j >= len(b) {
			return j, "", errShort
		}
		if b[j] == 'I' {
			_, next, prob, err := p.word(j)
			if err == nil && prob == "" {
				err = p.syntax(j, "a digit")
			}
			return next, "-" + prob, err
		}
	}
	good := true
	switch {
	case b[j] == '0':
		j++
	case b[j] >= '1' && b[j] <= '9':
		j++
		for j < len(b) && isDigit(b[j]) {
			j++
		}
	default:
		return j, "", p.syntax(j, "a digit")
	}
	if j < len(b) && b[j] == '.' {
		j++
		d := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		good = good && j > d
	}
	if j < len(b) && b[j]|0x20 == 'e' {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		d := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		good = good && j > d
	}
	for j < len(b) && numberTail[b[j]] {
		good = false
		j++
	}
	if j >= len(b) {
		return j, "", errShort
	}
	if !good {
		return j, fmt.Sprintf("invalid number %s", quoteToken(b[i:j])), nil
	}
	return j, "", nil
}

// number reads the JSON number at b[i], correctly rounded like
// encoding/json. prob says why it has no value.
//
// Numbers of up to 19 digits whose digits fit a float64 exactly and whose
// power of ten is at most 22 take Clinger's fast path: one correctly
// rounded multiplication or division of exact operands. Other numbers of
// up to 19 digits go through eiselLemire. What both decline, and anything
// malformed, goes through strconv.
func (p *parser) number(i int) (f float64, next int, prob string, err error) {
	b := p.b
	j := i
	if b[j] == '-' {
		j++
	}
	start := j
	var mant uint64
	for ; j < len(b); j++ {
		d := b[j] - '0'
		if d > 9 {
			break
		}
		mant = mant*10 + uint64(d)
	}
	ndigits := j - start
	exp := 0
	wellFormed := ndigits > 0 && (b[start] != '0' || ndigits == 1)
	if j < len(b) && b[j] == '.' {
		j++
		frac := j
		// Fractions are often long (repr of a float64 gives 17 digits).
		for j+8 <= len(b) {
			v := load8(b, j)
			if !allDigits(v) {
				break
			}
			mant = mant*100000000 + digitsValue(v)
			j += 8
		}
		for ; j < len(b); j++ {
			d := b[j] - '0'
			if d > 9 {
				break
			}
			mant = mant*10 + uint64(d)
		}
		wellFormed = wellFormed && j > frac
		ndigits += j - frac
		exp = frac - j
	}
	if j < len(b) && b[j]|0x20 == 'e' {
		j++
		sign := 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			if b[j] == '-' {
				sign = -1
			}
			j++
		}
		e := 0
		digits := j
		for ; j < len(b) && isDigit(b[j]); j++ {
			if e < 10000 {
				e = e*10 + int(b[j]-'0')
			}
		}
		wellFormed = wellFormed && j > digits
		exp += sign * e
	}
	if !wellFormed || j >= len(b) || numberTail[b[j]] {
		return p.slowNumber(i)
	}
	neg := b[i] == '-'
	switch {
	case ndigits > 19 && significantDigits(b[start:j]) > 19: // mant overflowed
	case mant <= 1<<53 && exp >= -22 && exp <= 22:
		f = float64(mant)
		if exp < 0 {
			f /= pow10[-exp]
		} else {
			f *= pow10[exp]
		}
		if neg {
			f = -f
		}
		return f, j, "", nil
	case mant != 0:
		if f, ok := eiselLemire(mant, exp, neg); ok {
			return f, j, "", nil
		}
	}
	return p.parseFloat(i, j)
}

// significantDigits counts the digits of a number's mantissa from the
// first non-zero one on: leading zeros do not make mant overflow.
func significantDigits(num []byte) int {
	n, leading := 0, true
	for _, c := range num {
		if c == 'e' || c == 'E' {
			break
		}
		if isDigit(c) && (c != '0' || !leading) {
			leading = false
			n++
		}
	}
	return n
}

// numberTail marks the bytes that would continue a number token.
var numberTail = func() (t [256]bool) {
	for c := range 256 {
		t[c] = isDigit(byte(c)) || isLetter(byte(c)) || c == '.' || c == '+' || c == '-'
	}
	return t
}()

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// slowNumber reads a number that breaks the grammar or needs more input.
func (p *parser) slowNumber(i int) (f float64, next int, prob string, err error) {
	next, prob, err = p.scanNumber(i)
	if err != nil || prob != "" {
		return 0, next, prob, err
	}
	return p.parseFloat(i, next)
}

// parseFloat converts the well-formed number b[i:next] with strconv.
func (p *parser) parseFloat(i, next int) (float64, int, string, error) {
	text := p.b[i:next]
	// The grammar is already checked, so the only possible error is range;
	// strconv copies the text into its errors, so no reference escapes.
	f, err := strconv.ParseFloat(unsafe.String(&text[0], len(text)), 64)
	if err != nil {
		return 0, next, "number out of range: " + quoteToken(text), nil
	}
	return f, next, "", nil
}

// word reads a bare word at b[i]: true, false or null; NaN and Infinity are
// problems (they are not JSON); anything else is a syntax error.
func (p *parser) word(i int) (v Value, next int, prob string, err error) {
	b := p.b
	j := i
	for j < len(b) && isLetter(b[j]) {
		j++
	}
	if j >= len(b) {
		return Value{}, j, "", errShort
	}
	switch string(b[i:j]) {
	case "true":
		return BoolValue(true), j, "", nil
	case "false":
		return BoolValue(false), j, "", nil
	case "null":
		return Value{}, j, "", nil
	case "NaN", "Infinity":
		return Value{}, j, fmt.Sprintf("%s is not a JSON number", b[i:j]), nil
	}
	if j == i {
		return Value{}, i, "", p.syntax(i, "a value")
	}
	return Value{}, i, "", &syntaxError{idx: i, msg: fmt.Sprintf("want a value, got %s", quoteToken(b[i:j]))}
}

// scalar reads a number, true, false or null at b[i].
func (p *parser) scalar(i int) (v Value, next int, prob string, err error) {
	if c := p.b[i]; c == '-' || isDigit(c) {
		f, next, prob, err := p.number(i)
		return NumberValue(f), next, prob, err
	}
	return p.word(i)
}

// quoteToken quotes a token for a message, shortened when long.
func quoteToken(t []byte) string {
	const maxShown = 40
	if len(t) > maxShown {
		return strconv.Quote(string(t[:maxShown])) + "..."
	}
	return strconv.Quote(string(t))
}
