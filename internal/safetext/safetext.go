// Package safetext makes strings that came from input (user and event ids,
// model, column and category names) safe to print for people: on a
// terminal, in a text report, in a log file someone will `cat`.
//
// A terminal obeys the control characters it is sent: ESC and the C1
// controls start sequences that move the cursor, clear the screen, set the
// window title or, on some terminals, write files or paste to the clipboard;
// a carriage return or backspace overwrites what was printed before it; a
// line feed forges a line of its own. Unicode's format characters do the
// same to the eye: bidi overrides and isolates reorder what follows them,
// zero-width characters and tags make two different ids look alike or hide
// text. Escape replaces each of them with a visible escape (`\x1b`,
// `\u202e`), so the operator sees that an id is hostile instead of being
// attacked by it.
//
// Escape is applied where text is written for people, never to stored data:
// JSON outputs stay exact (encoding/json escapes control characters itself)
// and the escaped form is for reading, not for parsing back. A backslash is
// left as it is, so that ordinary text (a Windows path) is unchanged; a
// literal `\x1b` in an id therefore looks like an escaped ESC, which is
// just as suspicious.
package safetext

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every control character, invalid UTF-8 byte and
// invisible format character replaced by a visible escape: `\n`, `\r`,
// `\t`, `\x1b` for C0 controls and DEL, `\u009b` for C1 controls, `\u202e`
// for bidi controls and other format characters, `\U000e0041` beyond the
// Basic Multilingual Plane, and `\xff` for a byte that is not UTF-8. Printable
// text in any script, spaces and emoji are unchanged, joiners included where
// scripts and emoji sequences use them (between two non-ASCII characters).
// Escape(Escape(s)) == Escape(s).
func Escape(s string) string { return escape(s, false) }

// EscapeLines is Escape for text already laid out in lines and columns (an
// error message listing several problems): line feeds and tabs are kept,
// everything else Escape replaces is replaced.
func EscapeLines(s string) string { return escape(s, true) }

func escape(s string, lines bool) string {
	// Nearly every string is ordinary: return it without allocating.
	i := 0
	for i < len(s) {
		n := unsafeAt(s, i, lines)
		if n > 0 {
			break
		}
		i -= n
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	for i < len(s) {
		n := unsafeAt(s, i, lines)
		if n <= 0 {
			b = append(b, s[i:i-n]...)
			i -= n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\x`...)
			b = appendHex(b, uint32(s[i]), 2)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r < 0x80:
			b = append(b, `\x`...)
			b = appendHex(b, uint32(r), 2)
		case r <= 0xffff:
			b = append(b, `\u`...)
			b = appendHex(b, uint32(r), 4)
		default:
			b = append(b, `\U`...)
			b = appendHex(b, uint32(r), 8)
		}
		i += n
	}
	return string(b)
}

// unsafeAt looks at the character starting at s[i]: it returns its length
// when it must be escaped, and minus its length when it may be printed.
func unsafeAt(s string, i int, lines bool) int {
	c := s[i]
	if c < utf8.RuneSelf {
		if c >= 0x20 && c != 0x7f || lines && (c == '\n' || c == '\t') {
			return -1
		}
		return 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	switch {
	case r == utf8.RuneError && size == 1:
		return 1
	case r == zwnj || r == zwj:
		// Persian, Indic scripts and emoji sequences need the joiners;
		// between ASCII characters they only make ids look alike.
		if joinable(lastRune(s[:i])) && joinable(firstRune(s[i+size:])) {
			return -size
		}
		return size
	case invisible(r):
		return size
	}
	return -size
}

// invisible reports whether a non-ASCII r acts on the text around it
// instead of showing: C1 controls, line and paragraph separators, and the
// format characters (bidi controls, zero-width characters, tags, the byte
// order mark).
func invisible(r rune) bool {
	return r <= 0x9f || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r)
}

const (
	zwnj = '\u200c'
	zwj  = '\u200d'
)

// joinable reports whether a joiner next to r is what a script or an emoji
// sequence uses: r is printed as it is, and is not ASCII.
func joinable(r rune) bool {
	return r >= utf8.RuneSelf && r != utf8.RuneError && !invisible(r)
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// appendHex writes v in lowercase hexadecimal, zero-padded to digits.
func appendHex(b []byte, v uint32, digits int) []byte {
	h := strconv.FormatUint(uint64(v), 16)
	for range digits - len(h) {
		b = append(b, '0')
	}
	return append(b, h...)
}
