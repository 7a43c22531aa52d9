package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var base = time.Date(2024, 11, 5, 14, 3, 27, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		value string
		wait  time.Duration
		ok    bool
	}{
		{"120", 2 * time.Minute, true},
		{"0", 0, true},
		{"007", 7 * time.Second, true},
		{" \t30 ", 30 * time.Second, true},
		{"3600", time.Hour, true},
		{"3601", time.Hour, true},
		{"18446744073709551616", time.Hour, true},                   // overflows uint64
		{"Tue, 05 Nov 2024 14:05:00 GMT", 93 * time.Second, true},   // IMF-fixdate
		{"Tuesday, 05-Nov-24 14:05:00 GMT", 93 * time.Second, true}, // RFC 850
		{"Tue Nov  5 14:05:00 2024", 93 * time.Second, true},        // ANSI C asctime
		{"Tue, 05 Nov 2024 14:00:00 GMT", 0, true},                  // past: at once
		{"Wed, 06 Nov 2024 14:00:00 GMT", time.Hour, true},          // capped
		{"", 0, false},
		{"  ", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"5s", 0, false},
		{"0x10", 0, false},
		{"Tue, 05 Nov 2024 14:05:00 CET", 0, false},
		{"2024-11-05T14:05:00Z", 0, false},
		{"١٢", 0, false}, // Arabic-Indic digits
	}
	for _, tc := range tests {
		wait, ok := parseRetryAfter(tc.value, base)
		if wait != tc.wait || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v, want %s, %v", tc.value, wait, ok, tc.wait, tc.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", " 5 ", "-1", "Tue, 05 Nov 2024 14:05:00 GMT", "Tuesday, 05-Nov-24 14:05:00 GMT",
		"Tue Nov  5 14:05:00 2024", "99999999999999999999999", "", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		wait, ok := parseRetryAfter(value, base)
		if wait < 0 || wait > maxRetryAfter {
			t.Fatalf("parseRetryAfter(%q) = %s, outside [0, %s]", value, wait, maxRetryAfter)
		}
		if !ok && wait != 0 {
			t.Fatalf("parseRetryAfter(%q) = %s with ok false", value, wait)
		}
		trimmed := strings.Trim(value, " \t")
		if n, err := strconv.ParseUint(trimmed, 10, 64); err == nil && trimmed[0] != '+' {
			if want := time.Duration(min(n, 3600)) * time.Second; !ok || wait != want {
				t.Fatalf("parseRetryAfter(%q) = %s, %v, want %s", value, wait, ok, want)
			}
		}
		if at, err := http.ParseTime(trimmed); err == nil {
			want := min(max(at.Sub(base), 0), maxRetryAfter)
			if !ok || wait != want {
				t.Fatalf("parseRetryAfter(%q) = %s, %v, want %s (date %s)", value, wait, ok, want, at)
			}
		}
	})
}

func BenchmarkParseRetryAfter(b *testing.B) {
	for _, tc := range []struct{ name, value string }{
		{"seconds", "120"},
		{"date", "Tue, 05 Nov 2024 14:05:00 GMT"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, ok := parseRetryAfter(tc.value, base); !ok {
					b.Fatal(tc.value)
				}
			}
		})
	}
}
