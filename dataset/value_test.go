package dataset

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseNumber(t *testing.T) {
	valid := []string{
		"0", "-0", "+0", "1", "-1", "+1", "007", "1.", ".5", "-.5", "1.5e3", "1.5E-3", "1e+2",
		"0.1", "0.30000000000000004", "123.4567", "-0.000123", "1e22", "1e23", "9007199254740993",
		"18446744073709551615", "1234567890123456789012345", "0.000000000000000000000000001",
		"1.7976931348623157e308", "1.8e308", "-1e400", "4.9e-324", "1e-400", "2.2250738585072011e-308",
		"1e0000000000000000000000000000000000000022", "1e-99999999999999999999", "3.141592653589793238462643383279",
	}
	for _, s := range valid {
		want, err := strconv.ParseFloat(s, 64)
		if err != nil && !strings.Contains(err.Error(), "out of range") {
			t.Fatalf("bad test value %q: %v", s, err)
		}
		got, ok := parseNumber([]byte(s))
		if !ok || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseNumber(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	specials := map[string]float64{"inf": math.Inf(1), "+Inf": math.Inf(1), "-inf": math.Inf(-1), "INFINITY": math.Inf(1), "-Infinity": math.Inf(-1)}
	for s, want := range specials {
		if got, ok := parseNumber([]byte(s)); !ok || got != want {
			t.Errorf("parseNumber(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	invalid := []string{"", "+", "-", ".", "-.", "e5", ".e5", "1e", "1e+", "1.2.3", "1,5", "0x10", "0x1p3", "1_000",
		"nan", "+nan", "in", "infinit", "infinityy", "--1", "1-", " 1", "1 ", "1e5x", "١٢"}
	for _, s := range invalid {
		if got, ok := parseNumber([]byte(s)); ok {
			t.Errorf("parseNumber(%q) = %v, want rejection", s, got)
		}
	}
}

func TestParseNumberReadsOnlyItsCell(t *testing.T) {
	// Cells are sub-slices of the input; what follows them must not leak in.
	buf := []byte("12345,678e9")
	if got, ok := parseNumber(buf[:5]); !ok || got != 12345 {
		t.Fatalf("got %v, %v", got, ok)
	}
}

func TestIsMissing(t *testing.T) {
	for _, s := range []string{"", "NA", "na", "Na", "N/A", "n/a", "null", "NULL", "Null", "None", "NONE", "none", "NaN", "nan", "NAN"} {
		if !isMissing([]byte(s)) {
			t.Errorf("isMissing(%q) = false", s)
		}
	}
	for _, s := range []string{"N", "NAA", "n-a", "nil", "nulls", "no", "0", "-", "?", "N.A", "nOne ", "ﾮa"} {
		if isMissing([]byte(s)) {
			t.Errorf("isMissing(%q) = true", s)
		}
	}
}

func TestParseBool(t *testing.T) {
	for s, want := range map[string]float64{"true": 1, "TRUE": 1, "yes": 1, "Yes": 1, "t": 1, "T": 1, "1": 1, "1.0": 1,
		"false": 0, "False": 0, "no": 0, "NO": 0, "f": 0, "F": 0, "0": 0, "0.00": 0, "-0": 0} {
		if got, ok := parseBool([]byte(s)); !ok || got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"y", "n", "2", "-1", "on", "off", "truee", "", "0.5"} {
		if _, ok := parseBool([]byte(s)); ok {
			t.Errorf("parseBool(%q) accepted", s)
		}
	}
}

func TestParseDatetime(t *testing.T) {
	valid := map[string]string{
		"2011-01-01":                    "2011-01-01T00:00:00Z",
		"2011-01-01T10:00":              "2011-01-01T10:00:00Z",
		"2011-01-01 10:00:00":           "2011-01-01T10:00:00Z",
		"2011-01-01T10:00:00Z":          "2011-01-01T10:00:00Z",
		"2011-01-01T10:00:00.5":         "2011-01-01T10:00:00.5Z",
		"2011-01-01T10:00:00,5Z":        "2011-01-01T10:00:00.5Z",
		"2011-01-01T10:00:00+01:00":     "2011-01-01T09:00:00Z",
		"2011-01-01T10:00:00-0230":      "2011-01-01T12:30:00Z",
		"2011-01-01T00:30:00+01":        "2010-12-31T23:30:00Z",
		"2000-02-29":                    "2000-02-29T00:00:00Z",
		"1900-03-01":                    "1900-03-01T00:00:00Z",
		"0001-01-01":                    "0001-01-01T00:00:00Z",
		"0000-03-01":                    "0000-03-01T00:00:00Z",
		"9999-12-31T23:59:59Z":          "9999-12-31T23:59:59Z",
		"1970-01-01T00:00:00.000001Z":   "1970-01-01T00:00:00.000001Z",
		"1960-06-15T12:00:00.25-00:00":  "1960-06-15T12:00:00.25Z",
		"2024-03-10T02:30:00.123456789": "2024-03-10T02:30:00.123457Z",
	}
	for s, want := range valid {
		v, ok := parseDatetime([]byte(s))
		if !ok {
			t.Errorf("parseDatetime(%q) rejected", s)
			continue
		}
		if got := cell(&Column{Type: Datetime, Floats: []float64{v}}, 0); got != want {
			t.Errorf("parseDatetime(%q) = %s, want %s", s, got, want)
		}
	}
	invalid := []string{"2011", "2011-01", "2011-1-01", "2011-13-01", "2011-00-10", "2011-02-29", "1900-02-29",
		"2011-04-31", "2011-01-01T", "2011-01-01T24:00", "2011-01-01T10:60", "2011-01-01T10:00:60",
		"2011-01-01T10", "2011-01-01T10:00:00.", "2011-01-01T10:00:00+1", "2011-01-01T10:00:00+24:00",
		"2011-01-01T10:00:00+01:60", "2011-01-01T10:00:00 Z", "2011-01-01X10:00", "2011/01/01", "+011-01-01",
		"2011-01-01T10:00:00ZZ", "2011-01-01Z", "20110101", "2011-01-01T1a:00"}
	for _, s := range invalid {
		if v, ok := parseDatetime([]byte(s)); ok {
			t.Errorf("parseDatetime(%q) = %v, want rejection", s, v)
		}
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0", "-1.5e3", ".5", "1e400", "inf", "123456789012345678901", "0x1p3", "1_0", "1e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseNumber([]byte(s))
		want, err := strconv.ParseFloat(s, 64)
		strconvOK := err == nil || strings.Contains(err.Error(), "out of range")
		lower := strings.ToLower(s)
		switch {
		case ok && !strconvOK:
			t.Fatalf("parseNumber(%q) = %v, strconv rejects it: %v", s, got, err)
		case ok && math.Float64bits(got) != math.Float64bits(want):
			t.Fatalf("parseNumber(%q) = %v, strconv says %v", s, got, want)
		case !ok && strconvOK && !strings.ContainsAny(lower, "x_") && !strings.Contains(lower, "nan"):
			t.Fatalf("parseNumber(%q) rejects what strconv reads as %v", s, want)
		}
	})
}

// zoneMinutesOver59 reports whether s ends in a numeric zone offset whose
// minutes are 60 or more.
func zoneMinutesOver59(s string) bool {
	n := len(s)
	if n < 6 || (s[n-6] != '+' && s[n-6] != '-') || s[n-3] != ':' {
		return false
	}
	m, err := strconv.Atoi(s[n-2:])
	return err == nil && m > 59
}

func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"2011-01-01T10:00:00Z", "2011-01-01T10:00:00.123+05:30", "2011-02-29", "1999-12-31 23:59", "0000-01-01T00:00:00+00:60"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseDatetime([]byte(s))
		if ok && (math.IsNaN(got) || math.IsInf(got, 0)) {
			t.Fatalf("parseDatetime(%q) = %v", s, got)
		}
		// Whatever the time package reads as RFC 3339 must come out the
		// same; it also takes one-digit hours and zone offsets of 60 or more
		// minutes ("+00:60"), which RFC 3339 does not.
		ref, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || len(s) < 20 || s[13] != ':' || s[16] != ':' || zoneMinutesOver59(s) {
			return
		}
		if !ok {
			t.Fatalf("parseDatetime(%q) rejects what time.Parse reads as %v", s, ref)
		}
		if want := float64(ref.Unix()) + float64(ref.Nanosecond())/1e9; math.Abs(got-want) > 1e-6*max(1, math.Abs(want)/1e9) {
			t.Fatalf("parseDatetime(%q) = %v, time.Parse says %v", s, got, want)
		}
	})
}
