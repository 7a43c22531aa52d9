package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/warden-ml/warden/event"
)

var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestPutTime(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
	}{
		{"start", base},
		{"microseconds", base.Add(10 * time.Microsecond)},
		{"sub-microsecond dropped", base.Add(1999 * time.Nanosecond)},
		{"end of day", time.Date(2026, 1, 1, 23, 59, 59, 999999000, time.UTC)},
		{"leap day", time.Date(2028, 2, 29, 12, 30, 1, 5000, time.UTC)},
		{"new year", time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC).Add(time.Second)},
		{"year one", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := []byte(timeLayout)
			putTime(got, tc.t)
			if want := tc.t.Format(timeLayout); string(got) != want {
				t.Errorf("putTime(%v) = %s, want %s", tc.t, got, want)
			}
		})
	}
}

func TestPutDigits(t *testing.T) {
	tests := []struct {
		n     int64
		width int
		want  string
	}{
		{0, 4, "0000"},
		{7, 2, "07"},
		{123456789012, 12, "123456789012"},
		{999999999999, 12, "999999999999"},
		{42, 6, "000042"},
	}
	for _, tc := range tests {
		got := make([]byte, tc.width)
		putDigits(got, tc.n)
		if string(got) != tc.want {
			t.Errorf("putDigits(%d, width %d) = %s, want %s", tc.n, tc.width, got, tc.want)
		}
	}
}

// decodeBatch reads a stamped batch with the server's own decoder.
func decodeBatch(t *testing.T, body []byte) []event.Event {
	t.Helper()
	evs, rejected, err := event.NewDecoder(event.DefaultLimits()).Decode(bytes.NewReader(body), nil)
	if err != nil || len(rejected) > 0 {
		t.Fatalf("decoding a stamped batch: %v %v", err, rejected)
	}
	return evs
}

func TestStampedBatchesDecode(t *testing.T) {
	const batch = 50
	step := 10 * time.Microsecond
	o := genOptions{Model: "bench", Batch: batch, Users: 1000, Zipf: 1.2, Seed: 7}
	tests := []struct {
		name    string
		drifted bool
		first   int64
	}{
		{"first batch", false, 0},
		{"later batch", false, 123 * batch},
		{"drifted batch", true, 999_999_950},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := templates(o, 3, tc.drifted)
			var buf []byte
			for k := range ts {
				buf = stamp(buf, &ts[k], tc.first, base, step)
				evs := decodeBatch(t, buf)
				if len(evs) != batch {
					t.Fatalf("template %d: %d events, want %d", k, len(evs), batch)
				}
				for i, e := range evs {
					seq := tc.first + int64(i)
					if wantID := "e" + leftPad(seq); e.ID != wantID {
						t.Errorf("event %d: id %q, want %q", i, e.ID, wantID)
					}
					if want := base.Add(time.Duration(seq) * step); !e.Time.Equal(want) {
						t.Errorf("event %d: time %v, want %v", i, e.Time, want)
					}
					if e.Model != "bench" || e.User == "" || len(e.Features) != numFeatures {
						t.Errorf("event %d: model %q, user %q, %d features", i, e.Model, e.User, len(e.Features))
					}
				}
			}
			// Stamping must not have touched the template.
			if !bytes.Contains(ts[0].body, []byte(`"id":"e000000000000"`)) {
				t.Error("stamp changed its template")
			}
		})
	}
}

func leftPad(n int64) string {
	s := strconv.FormatInt(n, 10)
	return string(bytes.Repeat([]byte("0"), idDigits-len(s))) + s
}

// The batches must be distinct and have varied users, or the server would
// see a replay of one batch rather than traffic.
func TestTemplatesVary(t *testing.T) {
	o := genOptions{Model: "bench", Batch: 1000, Users: 10000, Zipf: 1.2, Seed: 1}
	ts := templates(o, 20, false)
	seen := map[string]bool{}
	users := map[string]int{}
	for k := range ts {
		seen[string(ts[k].body)] = true
		for _, e := range decodeBatch(t, stamp(nil, &ts[k], 0, base, time.Microsecond)) {
			users[e.User]++
		}
	}
	if len(seen) != len(ts) {
		t.Errorf("%d distinct batches of %d", len(seen), len(ts))
	}
	// A Zipf law over 10,000 users: many users, one clearly the heaviest.
	if len(users) < 1000 {
		t.Errorf("%d distinct users in 20,000 events, want at least 1000", len(users))
	}
	top := 0
	for _, n := range users {
		top = max(top, n)
	}
	if top < 20000/100 || top > 20000/2 {
		t.Errorf("heaviest user has %d of 20000 events, want a heavy but not sole user", top)
	}
}

// The drifted columns must move and the others stay, measured on means
// over many draws rather than restating the formulas.
func TestDriftMovesOnlyDriftedColumns(t *testing.T) {
	const rows = 20000
	var a, b bytes.Buffer
	if err := writeCSV(&a, 1, rows, -1); err != nil {
		t.Fatal(err)
	}
	if err := writeCSV(&b, 1, rows, 0); err != nil {
		t.Fatal(err)
	}
	before, after := columnStats(t, a.Bytes()), columnStats(t, b.Bytes())
	drifted := map[int]bool{0: true, 1: true, 5: true, 17: true}
	for f := range numFeatures {
		// Standardised difference of means, or of standard deviations
		// for f5, whose spread changes.
		moved := math.Abs(after[f].mean-before[f].mean) / before[f].sd
		if f == 5 {
			moved = math.Abs(after[f].sd/before[f].sd - 1)
		}
		if drifted[f] && moved < 0.2 {
			t.Errorf("f%d: drifted column moved %.3f, want at least 0.2", f, moved)
		}
		if !drifted[f] && moved > 0.05 {
			t.Errorf("f%d: steady column moved %.3f, want at most 0.05", f, moved)
		}
	}
}

type moments struct{ mean, sd float64 }

func columnStats(t *testing.T, data []byte) []moments {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[0]; len(got) != numFeatures || got[0] != "f0" || got[19] != "f19" {
		t.Fatalf("header %v", got)
	}
	sum, sq := make([]float64, numFeatures), make([]float64, numFeatures)
	for _, r := range recs[1:] {
		for f, cell := range r {
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				t.Fatalf("cell %q: %v", cell, err)
			}
			sum[f] += v
			sq[f] += v * v
		}
	}
	n := float64(len(recs) - 1)
	out := make([]moments, numFeatures)
	for f := range out {
		m := sum[f] / n
		out[f] = moments{m, math.Sqrt(sq[f]/n - m*m)}
	}
	return out
}

func BenchmarkStamp(b *testing.B) {
	o := genOptions{Model: "bench", Batch: 1000, Users: 10000, Zipf: 1.2, Seed: 1}
	ts := templates(o, 4, false)
	var buf []byte
	b.SetBytes(int64(len(ts[0].body)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = stamp(buf, &ts[i%len(ts)], int64(i)*1000, base, 10*time.Microsecond)
	}
}

func BenchmarkTemplates(b *testing.B) {
	o := genOptions{Model: "bench", Batch: 1000, Users: 10000, Zipf: 1.2, Seed: 1}
	for b.Loop() {
		templates(o, 1, false)
	}
}
