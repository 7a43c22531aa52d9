package iforest

import (
	"bytes"
	"encoding/binary"
	"flag"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current code")

func TestMarshalRoundTrip(t *testing.T) {
	X := gaussian(21, 700, 4)
	probes := gaussian(22, 50, 4)
	for _, opts := range []Options{
		{Trees: 30, Seed: 1},
		{Trees: 30, Seed: 1, SampleSize: 700},
		{Trees: 30, Seed: 2, Extended: true},
		{Trees: 30, Seed: 3, Extended: true, ExtensionLevel: 1},
		{Trees: 3, Seed: 4, SampleSize: 1},
	} {
		f := mustFit(t, X, opts)
		b, err := f.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var g Forest
		if err := g.UnmarshalBinary(b); err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		if g.Cols() != f.Cols() || g.Trees() != f.Trees() || g.SampleSize() != f.SampleSize() {
			t.Fatalf("%+v: decoded %d cols, %d trees, ψ %d", opts, g.Cols(), g.Trees(), g.SampleSize())
		}
		out1, out2 := make([]float64, 4), make([]float64, 4)
		for i := range probes.Rows {
			row := probes.Row(i)
			if a, b := f.Score(row), g.Score(row); math.Float64bits(a) != math.Float64bits(b) {
				t.Fatalf("%+v: row %d scores %v before encoding, %v after", opts, i, a, b)
			}
			f.Contributions(row, out1)
			g.Contributions(row, out2)
			if !bytesEqualFloats(out1, out2) {
				t.Fatalf("%+v: row %d contributions %v before encoding, %v after", opts, i, out1, out2)
			}
		}
		again, err := g.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%+v: re-encoding differs (%v)", opts, err)
		}
	}
	if _, err := (&Forest{}).MarshalBinary(); err == nil {
		t.Error("MarshalBinary of an empty forest succeeded")
	}
	var nilForest *Forest
	if _, err := nilForest.MarshalBinary(); err == nil {
		t.Error("MarshalBinary of a nil forest succeeded")
	}
}

func bytesEqualFloats(a, b []float64) bool {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}

// reseal replaces the checksum of an edited encoding, so that the structural checks behind
// it are exercised.
func reseal(b []byte) []byte {
	body := b[:len(b)-4]
	return binary.LittleEndian.AppendUint32(body[:len(body):len(body)], crc32.Checksum(body, castagnoli))
}

func TestUnmarshalCorrupt(t *testing.T) {
	X := gaussian(5, 300, 3)
	good, err := mustFit(t, X, Options{Trees: 4, Seed: 9}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	goodExt, err := mustFit(t, X, Options{Trees: 4, Seed: 9, Extended: true}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	// Offsets of the first tree's first node, after the header and the node counts.
	node0 := headerSize + 4*4
	edit := func(src []byte, fn func(b []byte)) []byte {
		b := bytes.Clone(src)
		fn(b)
		return reseal(b)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than"},
		{"bad magic", edit(good, func(b []byte) { b[0] = 'X' }), "bad magic"},
		{"flipped bit", func() []byte { b := bytes.Clone(good); b[node0+13] ^= 4; return b }(), "checksum"},
		{"truncated", good[:len(good)-9], "checksum"},
		{"future version", edit(good, func(b []byte) { le.PutUint16(b[4:], 2) }), "format version 2"},
		{"unknown flag", edit(good, func(b []byte) { le.PutUint16(b[6:], 6) }), "unknown flags"},
		{"no columns", edit(good, func(b []byte) { le.PutUint32(b[8:], 0) }), "0 columns"},
		{"no trees", edit(good, func(b []byte) { le.PutUint32(b[28:], 0) }), "0 trees"},
		{"many trees", edit(good, func(b []byte) { le.PutUint32(b[28:], 60000) }), "do not fit"},
		{"huge node count", edit(good, func(b []byte) { le.PutUint32(b[headerSize:], 1<<30) }), "nodes"},
		{"child points back", edit(good, func(b []byte) { le.PutUint32(b[node0+4:], 0) }), "children"},
		{"feature out of range", edit(good, func(b []byte) { le.PutUint32(b[node0:], 3) }), "feature 3 of 3"},
		{"NaN threshold", edit(good, func(b []byte) { le.PutUint64(b[node0+12:], math.Float64bits(math.NaN())) }), "split value NaN"},
		{"size too big", edit(good, func(b []byte) { le.PutUint32(b[node0+8:], 1000) }), "more than the sample size"},
		{"sizes disagree", edit(good, func(b []byte) { le.PutUint32(b[node0+8:], 255) }), "children hold"},
		{"trailing bytes", reseal(append(bytes.Clone(good[:len(good)-4]), 0, 0, 0, 0, 0)), "left over"},
		{"extension without extended", edit(good, func(b []byte) { le.PutUint32(b[16:], 1) }), "extension level"},
		{"hyperplane out of range", edit(goodExt, func(b []byte) { le.PutUint32(b[node0:], 1<<20) }), "hyperplane"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Forest{cols: 99}
			err := f.UnmarshalBinary(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("UnmarshalBinary = %v; want an error containing %q", err, tt.want)
			}
			if f.cols != 99 {
				t.Fatal("a failed UnmarshalBinary changed the forest")
			}
		})
	}
	// Every truncation fails cleanly.
	for n := range len(good) {
		var f Forest
		if f.UnmarshalBinary(good[:n]) == nil {
			t.Fatalf("UnmarshalBinary accepted the first %d of %d bytes", n, len(good))
		}
	}
}

// The golden encodings pin the format and the random streams: a change that alters either
// makes forests saved by earlier versions score differently, and must be deliberate (bump
// formatVersion, rerun with -update).
func TestGoldenEncoding(t *testing.T) {
	X := gaussian(31, 64, 3)
	for name, opts := range map[string]Options{
		"standard_v1.golden": {Trees: 3, SampleSize: 16, Seed: 2024},
		"extended_v1.golden": {Trees: 3, SampleSize: 16, Seed: 2024, Extended: true, ExtensionLevel: 1},
	} {
		b, err := mustFit(t, X, opts).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (create it with go test -run GoldenEncoding -update)", err)
		}
		var f Forest
		if err := f.UnmarshalBinary(want); err != nil {
			t.Fatalf("%s no longer decodes: %v", name, err)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("%s: Fit with %+v now encodes differently (%d bytes, golden %d)", name, opts, len(b), len(want))
		}
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	X := gaussian(41, 40, 2)
	for _, opts := range []Options{{Trees: 2, SampleSize: 8}, {Trees: 2, SampleSize: 8, Extended: true}, {Trees: 1, SampleSize: 1}} {
		fr, err := Fit(X, opts)
		if err != nil {
			f.Fatal(err)
		}
		b, err := fr.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("WIFR"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr Forest
		if fr.UnmarshalBinary(data) != nil {
			// The checksum rejects almost every mutation; check the structure behind it too.
			if len(data) < 4 || fr.UnmarshalBinary(reseal(data)) != nil {
				return
			}
			data = reseal(data)
		}
		row := make([]float64, fr.Cols())
		for i := range row {
			row[i] = float64(i) - 0.5
		}
		if s := fr.Score(row); !(s > 0 && s <= 1) {
			t.Fatalf("decoded forest scores %v", s)
		}
		out := make([]float64, fr.Cols())
		fr.Contributions(row, out)
		again, err := fr.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("decoded forest re-encodes differently: %v", err)
		}
	})
}
