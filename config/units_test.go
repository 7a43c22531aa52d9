package config

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"0", 0, ""},
		{"512", 512, ""},
		{"512B", 512, ""},
		{"64KiB", 64 * 1024, ""},
		{"32MiB", 32 * 1024 * 1024, ""},
		{"32 MiB", 32 * 1024 * 1024, ""},
		{" 1GiB ", 1 << 30, ""},
		{"2TiB", 2 << 40, ""},
		{"1kB", 1000, ""},
		{"1KB", 1000, ""},
		{"5MB", 5_000_000, ""},
		{"1GB", 1_000_000_000, ""},
		{"3TB", 3_000_000_000_000, ""},
		{"9223372036854775807", math.MaxInt64, ""},
		{"", 0, "want a size"},
		{"MiB", 0, "want a size"},
		{"-1KiB", 0, "want a size"},
		{"1.5GiB", 0, "want a size"},
		{"32mib", 0, "want a size"},
		{"32 megs", 0, "want a size"},
		{"9223372036854775808", 0, "too large"},
		{"8388608TiB", 0, "too large"},
	}
	for _, tc := range tests {
		got, err := parseSize(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseSize(%q) = %d, %v; want error containing %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0"},
		{-5, "-5"},
		{1, "1"},
		{1023, "1023"},
		{1024, "1KiB"},
		{1000, "1kB"},
		{1536, "1536"},
		{32 << 20, "32MiB"},
		{1 << 30, "1GiB"},
		{(1 << 30) + 1, "1073741825"},
		{5_000_000, "5MB"},
		{3 << 40, "3TiB"},
	}
	for _, tc := range tests {
		if got := formatSize(tc.in); got != tc.want {
			t.Errorf("formatSize(%d) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.in <= 0 {
			continue
		}
		if back, err := parseSize(formatSize(tc.in)); err != nil || back != tc.in {
			t.Errorf("parseSize(formatSize(%d)) = %d, %v", tc.in, back, err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{10 * time.Second, "10s"},
		{90 * time.Second, "1m30s"},
		{10 * time.Minute, "10m"},
		{time.Hour, "1h"},
		{168 * time.Hour, "168h"},
		{time.Hour + 30*time.Minute, "1h30m"},
		{time.Hour + 5*time.Second, "1h0m5s"},
		{1500 * time.Millisecond, "1.5s"},
		{-time.Hour, "-1h"},
		{time.Hour + 1, "1h0m0.000000001s"},
	}
	for _, tc := range tests {
		got := FormatDuration(tc.in)
		if got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := time.ParseDuration(got); err != nil || back != tc.in {
			t.Errorf("time.ParseDuration(%q) = %v, %v; want %v", got, back, err, tc.in)
		}
	}
}

func TestPaths(t *testing.T) {
	tests := []struct {
		prefix, key, path, parent string
	}{
		{"", "server", "server", ""},
		{"server", "addr", "server.addr", "server"},
		{"alerting.thresholds", "drift", "alerting.thresholds.drift", "alerting.thresholds"},
		{"alerting.thresholds", "odd.kind", `alerting.thresholds["odd.kind"]`, "alerting.thresholds"},
		{"alerting.thresholds", "a]b", `alerting.thresholds["a]b"]`, "alerting.thresholds"},
		{"alerting.thresholds", `x["y`, `alerting.thresholds["x[\"y"]`, "alerting.thresholds"},
		{"alerting.thresholds", "", `alerting.thresholds[""]`, "alerting.thresholds"},
	}
	for _, tc := range tests {
		got := mapKeyPath(tc.prefix, tc.key)
		if got != tc.path {
			t.Errorf("mapKeyPath(%q, %q) = %q, want %q", tc.prefix, tc.key, got, tc.path)
		}
		if p := parentPath(got); p != tc.parent {
			t.Errorf("parentPath(%q) = %q, want %q", got, p, tc.parent)
		}
	}
	for path, parent := range map[string]string{
		"models[12]":                   "models",
		"models[1].drift.window":       "models[1].drift",
		"models[0].drift":              "models[0]",
		"models[0].thresholds.drift":   "models[0].thresholds",
		`models[0].thresholds["a.b"]`:  "models[0].thresholds",
		`models[0].thresholds["a"].x`:  `models[0].thresholds["a"]`,
		"alerting.receivers[3].secret": "alerting.receivers[3]",
	} {
		if got := parentPath(path); got != parent {
			t.Errorf("parentPath(%q) = %q, want %q", path, got, parent)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"enabled", "method", "threshold", "min_effect", "window", "every", "min_events", "time_windows", "lateness"}
	tests := []struct{ key, want string }{
		{"windw", "window"},
		{"widnow", "window"},       // transposition
		{"tresholds", "threshold"}, // deletion and insertion
		{"min-events", "min_events"},
		{"step", ""},
		{"x", ""},
		{"", ""},
		{strings.Repeat("a", 100), ""},
	}
	for _, tc := range tests {
		if got := suggest(tc.key, names); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{"drfit", "drift", 1},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau
		{"same", "same", 0},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := editDistance(tc.b, tc.a); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d (symmetry)", tc.b, tc.a, got, tc.want)
		}
	}
}
