package outlier

import (
	"encoding/binary"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/outlier/iforest"
)

func FuzzUnmarshalBinary(f *testing.F) {
	ref := simTable(f, 4, 200)
	d, err := Fit(ref, Options{Exclude: simExclude, Seed: 1, NeighbourSample: 20, Forest: iforest.Options{Trees: 5, SampleSize: 16}})
	if err != nil {
		f.Fatal(err)
	}
	data, err := d.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte("WOUT\x03\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var got Detector
		if err := got.UnmarshalBinary(b); err != nil {
			// Mutations almost never keep the checksum right: fix it so
			// that they reach the decoder's own checks.
			if len(b) < 10 {
				return
			}
			fixed := slices.Clone(b)
			binary.LittleEndian.PutUint32(fixed[len(fixed)-4:], crc32.Checksum(fixed[:len(fixed)-4], castagnoli))
			if err := got.UnmarshalBinary(fixed); err != nil {
				return
			}
		}
		// Whatever decodes must score without panicking, describe itself
		// and re-encode.
		if !IsEncoded(b) || len(got.Detectors()) == 0 || got.Calibration().HeldOut == 0 {
			t.Fatalf("decoded detector: IsEncoded %v, detectors %q, %d calibration rows", IsEncoded(b), got.Detectors(), got.Calibration().HeldOut)
		}
		for _, row := range [][]event.Feature{normalRow(), nil, with("hour", num(1e300))} {
			if _, err := got.Score(row); err != nil {
				t.Fatalf("decoded detector cannot score: %v", err)
			}
		}
		if _, err := got.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
	})
}
