package safetext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"ascii", "user_00042", "user_00042"},
		{"OSC title and clear screen", "\x1b]0;owned\x07\x1b[2J", `\x1b]0;owned\x07\x1b[2J`},
		{"CSI colour", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"line feed forges a line", "u1\nCRITICAL: fake", `u1\nCRITICAL: fake`},
		{"carriage return overwrites", "evil\rgood", `evil\rgood`},
		{"tab", "a\tb", `a\tb`},
		{"backspace and NUL", "a\b\x00", `a\x08\x00`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 CSI as a character", "a\u009b2Jb", `a\u009b2Jb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`},
		{"raw C1 byte is not UTF-8", "a\x9bb", `a\x9bb`},
		{"invalid UTF-8", "\xff\xfe", `\xff\xfe`},
		{"truncated sequence", "ab\xe2\x80", `ab\xe2\x80`},
		{"right-to-left override", "amount\u202etxt.exe", `amount\u202etxt.exe`},
		{"bidi embeddings and isolates", "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069", `\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069`},
		{"marks", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"zero width space", "ad\u200bmin", `ad\u200bmin`},
		{"joiner between ASCII", "ad\u200dmin", `ad\u200dmin`},
		{"joiner at the end", "admin\u200c", `admin\u200c`},
		{"byte order mark", "\ufeffid", `\ufeffid`},
		{"word joiner and invisible times", "a\u2060b\u2062c", `a\u2060b\u2062c`},
		{"soft hyphen", "ad\u00admin", `ad\u00admin`},
		{"line separator", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"tags hide text", "id\U000e0041\U000e0042", `id\U000e0041\U000e0042`},
		{"backslash kept", `C:\data\x1b`, `C:\data\x1b`},
		{"accents", "café naïve", "café naïve"},
		{"CJK", "用户_42", "用户_42"},
		{"Arabic and Hebrew", "مستخدم שלום", "مستخدم שלום"},
		{"Persian ZWNJ", "می\u200cخواهم", "می\u200cخواهم"},
		{"Devanagari ZWJ", "क्\u200dष", "क्\u200dष"},
		{"emoji", "🔴 CRITICAL ✅", "🔴 CRITICAL ✅"},
		{"emoji ZWJ family", "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"},
		{"emoji with variation selector", "❤\ufe0f\u200d🔥", "❤\ufe0f\u200d🔥"},
		{"joiner next to a hostile character", "中\u200d\u202e", `中\u200d\u202e`},
		{"no-break and ideographic spaces", "a\u00a0b\u3000c", "a\u00a0b\u3000c"},
		{"replacement character", "\ufffd", "\ufffd"},
		{"rule and box drawing", "━━━ │", "━━━ │"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Escape(tc.in); got != tc.want {
				t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEscapeLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a.csv: line 3\n  col\tx\n", "a.csv: line 3\n  col\tx\n"},
		{"bad column \"\x1b[2J\"\nnext", "bad column \"\\x1b[2J\"\nnext"},
		{"over\rwrite\u202e", `over\rwrite\u202e`},
	}
	for _, tc := range tests {
		if got := EscapeLines(tc.in); got != tc.want {
			t.Errorf("EscapeLines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Ordinary strings come back as they are, not copied.
func TestEscapeDoesNotAllocate(t *testing.T) {
	s := "user_00042 transaction_amount 用户 🔴"
	if n := testing.AllocsPerRun(100, func() { Escape(s) }); n != 0 {
		t.Errorf("Escape of an ordinary string allocates %v times", n)
	}
}

// safe reports whether s may reach a terminal: valid UTF-8 with no control
// character, no separator but the space and no format character except a
// joiner between two non-ASCII characters that are themselves safe.
func safe(s string, lines bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case lines && (r == '\n' || r == '\t'):
		case r == 0x200c || r == 0x200d:
			if i == 0 || i == len(rs)-1 || !ordinaryNonASCII(rs[i-1]) || !ordinaryNonASCII(rs[i+1]) {
				return false
			}
		case unicode.IsControl(r), unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp):
			return false
		}
	}
	return true
}

func ordinaryNonASCII(r rune) bool {
	return r >= 0x80 && r != utf8.RuneError && !unicode.IsControl(r) && !unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "user_1", "\x1b]0;owned\x07\x1b[2J", "col\u202eumn", "\xff", "a\u009bb",
		"👨\u200d👩\u200d👧", "می\u200cخواهم", "ad\u200dmin", "\U000e0041", "line\nbreak\ttab\r", `\x1b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, lines := range []bool{false, true} {
			got := escape(s, lines)
			if !safe(got, lines) {
				t.Fatalf("escape(%q, %v) = %q still holds a control, format or invalid character", s, lines, got)
			}
			if strings.ContainsRune(got, 0x1b) || strings.ContainsRune(got, 0x9b) {
				t.Fatalf("escape(%q, %v) = %q holds an escape introducer", s, lines, got)
			}
			if again := escape(got, lines); again != got {
				t.Fatalf("escaping twice changes %q: %q", got, again)
			}
			if safe(s, lines) && got != s {
				t.Fatalf("escape(%q, %v) = %q changed a safe string", s, lines, got)
			}
			// Printable text in any script is safe, so it comes back as it is.
			printable := utf8.ValidString(s)
			for _, r := range s {
				printable = printable && (unicode.IsPrint(r) || r == ' ')
			}
			if printable && got != s {
				t.Fatalf("escape(%q, %v) = %q changed printable text", s, lines, got)
			}
		}
	})
}
