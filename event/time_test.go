package event

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestParseTimeMatchesTimePackage compares parseTime with time.Parse on
// random RFC 3339 times across the whole range.
func TestParseTimeMatchesTimePackage(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	layouts := []string{time.RFC3339, time.RFC3339Nano, "2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.000000Z07:00"}
	for range 100000 {
		ts := time.Unix(rng.Int64N(maxUnix-minUnix)+minUnix, rng.Int64N(1e9))
		zone := time.FixedZone("", (rng.IntN(48)-24)*3600/2)
		local := ts.In(zone)
		if local.Year() < 1 || local.Year() > 9999 {
			continue
		}
		s := local.Format(layouts[rng.IntN(len(layouts))])
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		got, prob := parseTime([]byte(s))
		if prob != "" || !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("%s: got %v %q, want %v", s, got, prob, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	valid := map[string]string{
		"2026-01-01T00:00:01.250Z":           "2026-01-01T00:00:01.25Z",
		"2026-01-01T00:00:01":                "2026-01-01T00:00:01Z",
		"2026-01-01 00:00:01":                "2026-01-01T00:00:01Z",
		"2026-01-01t00:00:01z":               "2026-01-01T00:00:01Z",
		"2026-01-01T00:00:01,5Z":             "2026-01-01T00:00:01.5Z",
		"2026-01-01T00:00:01.1234567891234Z": "2026-01-01T00:00:01.123456789Z",
		"2026-01-01T05:30:00+0530":           "2026-01-01T00:00:00Z",
		"2026-01-01T00:00:00-08":             "2026-01-01T08:00:00Z",
		"0001-01-01T00:00:00Z":               "0001-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999999999Z":     "9999-12-31T23:59:59.999999999Z",
		"2000-02-29T00:00:00Z":               "2000-02-29T00:00:00Z",
	}
	for in, want := range valid {
		got, prob := parseTime([]byte(in))
		if prob != "" || !got.Equal(at(want)) {
			t.Errorf("%s: got %v %q, want %s", in, got, prob, want)
		}
	}
	for _, in := range []string{
		"", "2026-01-01", "2026-01-01T00:00", "2026-1-01T00:00:00Z", "2026-01-01X00:00:00Z", "2026/01/01T00:00:00Z",
		"2026-00-01T00:00:00Z", "2026-01-32T00:00:00Z", "2026-04-31T00:00:00Z", "1900-02-29T00:00:00Z",
		"2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-01-01T00:00:00.Z",
		"2026-01-01T00:00:00Zjunk", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+05:60", "2026-01-01T00:00:00+5",
		"2026-01-01T00:00:00+05:3", "-001-01-01T00:00:00Z", "２０２６-01-01T00:00:00Z",
	} {
		if got, prob := parseTime([]byte(in)); !strings.HasPrefix(prob, "want RFC 3339") {
			t.Errorf("%q: got %v %q, want a format problem", in, got, prob)
		}
	}
	for _, in := range []string{"0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-00:01"} {
		if _, prob := parseTime([]byte(in)); !strings.Contains(prob, "out of range") {
			t.Errorf("%q: %q, want out of range", in, prob)
		}
	}
}

func TestUnixTime(t *testing.T) {
	valid := map[string]string{
		"0":                      "1970-01-01T00:00:00Z",
		"-0":                     "1970-01-01T00:00:00Z",
		"1767225601.25":          "2026-01-01T00:00:01.25Z",
		"1767225601.0000001":     "2026-01-01T00:00:01.0000001Z",
		"1767225601.12345678999": "2026-01-01T00:00:01.123456789Z",
		"-0.5":                   "1969-12-31T23:59:59.5Z",
		"-86400":                 "1969-12-31T00:00:00Z",
		"1.5e9":                  "2017-07-14T02:40:00Z",
		"15E8":                   "2017-07-14T02:40:00Z",
		"253402300799":           "9999-12-31T23:59:59Z",
		"-62135596800":           "0001-01-01T00:00:00Z",
	}
	for in, want := range valid {
		got, prob := unixTime([]byte(in))
		if prob != "" || !got.Equal(at(want)) {
			t.Errorf("%s: got %v %q, want %s", in, got, prob, want)
		}
	}
	problems := map[string]string{
		"253402300800":         "253402300800 Unix seconds is out of range (years 1 to 9999); milliseconds? want seconds",
		"-62135596801":         "-62135596801 Unix seconds is out of range (years 1 to 9999); milliseconds? want seconds",
		"1e17":                 "1e17 Unix seconds is out of range (years 1 to 9999)",
		"1767225601250":        "1767225601250 Unix seconds is out of range (years 1 to 9999); milliseconds? want seconds",
		"1e300":                "1e300 Unix seconds is out of range (years 1 to 9999)",
		"12345678901234567890": "12345678901234567890 Unix seconds is out of range (years 1 to 9999)",
	}
	for in, want := range problems {
		if _, prob := unixTime([]byte(in)); prob != want {
			t.Errorf("%s: %q, want %q", in, prob, want)
		}
	}
}
