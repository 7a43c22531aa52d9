// Package count writes counts as people read them in reports and
// messages: with thousands separators, and with the noun that agrees.
package count

import (
	"strconv"
	"strings"
)

// Thousands writes n with thousands separators: "10,234".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// Plural writes n, with thousands separators, and the singular or plural
// noun: "1 value", "0 values", "12,345 values".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Thousands(n) + " " + many
}
