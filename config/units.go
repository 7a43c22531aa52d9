package config

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sizeUnits are the suffixes a size may carry, by decreasing size, so that
// formatting picks the shortest exact form: 2GB rather than 1953125KiB.
var sizeUnits = []struct {
	name string
	mult int64
}{
	{"TiB", 1 << 40}, {"TB", 1e12}, {"GiB", 1 << 30}, {"GB", 1e9},
	{"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"kB", 1e3}, {"KB", 1e3},
	{"B", 1},
}

var errSize = errors.New("want a size like 32MiB")

// parseSize reads a whole number of bytes with an optional unit, like
// "64KiB", "32 MiB" or "1GB".
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	digits := 0
	for digits < len(s) && '0' <= s[digits] && s[digits] <= '9' {
		digits++
	}
	if digits == 0 {
		return 0, errSize
	}
	n, err := strconv.ParseInt(s[:digits], 10, 64)
	if err != nil {
		return 0, errors.New("size too large")
	}
	unit := strings.TrimSpace(s[digits:])
	if unit == "" {
		return n, nil
	}
	for _, u := range sizeUnits {
		if u.name == unit {
			if n > math.MaxInt64/u.mult {
				return 0, errors.New("size too large")
			}
			return n * u.mult, nil
		}
	}
	return 0, errSize
}

// formatSize writes n in the largest unit that divides it exactly.
func formatSize(n int64) string {
	if n > 0 {
		for _, u := range sizeUnits[:len(sizeUnits)-1] {
			if n%u.mult == 0 {
				return strconv.FormatInt(n/u.mult, 10) + u.name
			}
		}
	}
	return strconv.FormatInt(n, 10)
}

// FormatDuration is time.Duration.String without its trailing zero units:
// "168h" rather than "168h0m0s", as the configuration writes durations.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func positive(ps *problems, path string, d time.Duration) {
	if d <= 0 {
		ps.add(path, "must be > 0, got %s", FormatDuration(d))
	}
}

func nonNegative(ps *problems, path string, d time.Duration) {
	if d < 0 {
		ps.add(path, "must be >= 0, got %s", FormatDuration(d))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// mapKeyPath writes a map key as .key when it reads as one, and quoted in
// brackets otherwise, so a path stays unambiguous.
func mapKeyPath(prefix, key string) string {
	plain := key != ""
	for _, c := range key {
		if c != '_' && c != '-' && !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z') && !('0' <= c && c <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return joinPath(prefix, key)
	}
	return prefix + "[" + strconv.Quote(key) + "]"
}
