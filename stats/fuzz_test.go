package stats

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// fuzzFloats decodes data as float64 bits when raw is set (so NaN and infinities occur),
// otherwise as 16-bit integers divided by 8, which makes ties common.
func fuzzFloats(data []byte, raw bool) []float64 {
	var out []float64
	if raw {
		for ; len(data) >= 8; data = data[8:] {
			out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(data)))
		}
		return out
	}
	for ; len(data) >= 2; data = data[2:] {
		out = append(out, float64(int16(binary.LittleEndian.Uint16(data)))/8)
	}
	return out
}

func FuzzKSTwoSample(f *testing.F) {
	f.Add([]byte{1, 0, 2, 0, 3, 0, 1, 0, 9, 0}, uint16(2), false)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}, uint16(1), true)
	f.Add(make([]byte, 400), uint16(77), false)
	f.Fuzz(func(t *testing.T, data []byte, split uint16, raw bool) {
		v := fuzzFloats(data, raw)
		k := 0
		if len(v) > 0 {
			k = int(split) % (len(v) + 1)
		}
		x, y := v[:k], v[k:]
		got, err := KSTwoSample(x, y)
		wantErr := len(x) == 0 || len(y) == 0 || slices.ContainsFunc(v, math.IsNaN)
		if (err != nil) != wantErr {
			t.Fatalf("x=%v y=%v: error %v", x, y, err)
		}
		if err != nil {
			return
		}
		if !(got.Statistic >= 0 && got.Statistic <= 1) || !(got.PValue >= 0 && got.PValue <= 1) ||
			(got.Method != KSExact && got.Method != KSAsymp) {
			t.Fatalf("x=%v y=%v: %+v", x, y, got)
		}
		back, err := KSTwoSample(y, x)
		if err != nil || back != got {
			t.Fatalf("x=%v y=%v: %+v but swapped %+v, %v", x, y, got, back, err)
		}
		xs, ys := slices.Clone(x), slices.Clone(y)
		slices.Sort(xs)
		slices.Sort(ys)
		sorted, err := KSTwoSampleSorted(xs, ys)
		if err != nil || sorted != got {
			t.Fatalf("x=%v y=%v: %+v but sorted %+v, %v", x, y, got, sorted, err)
		}
	})
}

func FuzzKSPValue(f *testing.F) {
	f.Add(0.5, uint16(10), uint16(12))
	f.Add(0.2, uint16(5), uint16(5))
	f.Add(0.03, uint16(1999), uint16(1998))
	f.Add(1.0, uint16(0), uint16(3))
	f.Fuzz(func(t *testing.T, d float64, n1, n2 uint16) {
		// Sizes stay below 2000 to keep each exact computation short.
		m, n := int(n1%2000), int(n2%2000)
		p, method := KSPValue(d, m, n)
		if m < 1 || n < 1 || !(d >= 0 && d <= 1) {
			if !math.IsNaN(p) || method != "" {
				t.Fatalf("KSPValue(%v, %d, %d) = %v, %q; want NaN", d, m, n, p, method)
			}
			return
		}
		if !(p >= 0 && p <= 1) || (method != KSExact && method != KSAsymp) {
			t.Fatalf("KSPValue(%v, %d, %d) = %v, %q", d, m, n, p, method)
		}
		if q, back := KSPValue(d, n, m); q != p || back != method {
			t.Fatalf("KSPValue(%v, %d, %d) = %v, %q but swapped %v, %q", d, m, n, p, method, q, back)
		}
	})
}

func FuzzKolmogorovSF(f *testing.F) {
	f.Add(0.1, uint32(100))
	f.Add(0.001, uint32(1000000))
	f.Add(0.7, uint32(3))
	f.Add(0.0004, uint32(100000))
	f.Fuzz(func(t *testing.T, d float64, n uint32) {
		size := int(n % 2_000_001)
		p := KolmogorovSF(d, size)
		if size < 1 || math.IsNaN(d) {
			if !math.IsNaN(p) {
				t.Fatalf("KolmogorovSF(%v, %d) = %v, want NaN", d, size, p)
			}
			return
		}
		if !(p >= 0 && p <= 1) {
			t.Fatalf("KolmogorovSF(%v, %d) = %v", d, size, p)
		}
	})
}

func FuzzChiSquareContingency(f *testing.F) {
	f.Add([]byte{8, 0, 16, 0, 24, 0, 8, 0}, false)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0xf8, 0xff}, true)
	f.Fuzz(func(t *testing.T, data []byte, raw bool) {
		v := fuzzFloats(data, raw)
		k := len(v) / 2
		a, b := v[:k], v[k:2*k]
		got, err := ChiSquareContingency(a, b)
		if err != nil {
			return
		}
		if got.DoF != k-1 || !(got.Statistic >= 0) || !(got.PValue >= 0 && got.PValue <= 1) {
			t.Fatalf("a=%v b=%v: %+v", a, b, got)
		}
	})
}

func FuzzTwoProportionZ(f *testing.F) {
	f.Add(int64(45), int64(100), int64(30), int64(100))
	f.Add(int64(0), int64(1), int64(1), int64(1))
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), int64(1), int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, x1, n1, x2, n2 int64) {
		got, err := TwoProportionZ(int(x1), int(n1), int(x2), int(n2))
		valid := n1 > 0 && n2 > 0 && x1 >= 0 && x1 <= n1 && x2 >= 0 && x2 <= n2
		if (err == nil) != valid {
			t.Fatalf("(%d, %d, %d, %d): error %v", x1, n1, x2, n2, err)
		}
		if err == nil && (math.IsNaN(got.Statistic) || !(got.PValue >= 0 && got.PValue <= 1)) {
			t.Fatalf("(%d, %d, %d, %d): %+v", x1, n1, x2, n2, got)
		}
	})
}

func FuzzBenjaminiHochberg(f *testing.F) {
	f.Add([]byte{1, 0, 200, 0, 7, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		// p-values in [0, 1] from 16-bit integers, with NaN for the largest codes.
		var p []float64
		for ; len(data) >= 2; data = data[2:] {
			u := binary.LittleEndian.Uint16(data)
			if u > 65000 {
				p = append(p, math.NaN())
				continue
			}
			p = append(p, float64(u)/65000)
		}
		bh, bonf := BenjaminiHochberg(p), Bonferroni(p)
		if len(bh) != len(p) || len(bonf) != len(p) {
			t.Fatalf("lengths %d %d for %d", len(bh), len(bonf), len(p))
		}
		for i := range p {
			if math.IsNaN(p[i]) != math.IsNaN(bh[i]) || math.IsNaN(p[i]) != math.IsNaN(bonf[i]) {
				t.Fatalf("p[%d]=%v: BH %v, Bonferroni %v", i, p[i], bh[i], bonf[i])
			}
			if math.IsNaN(p[i]) {
				continue
			}
			// Adjustments never lower a p-value (beyond the rounding of p*m/rank), never
			// exceed 1, and BH is never more conservative than Bonferroni.
			if bh[i] < p[i]*(1-1e-15) || bh[i] > 1 || bonf[i] < bh[i]*(1-1e-15) || bonf[i] > 1 {
				t.Fatalf("p[%d]=%v: BH %v, Bonferroni %v", i, p[i], bh[i], bonf[i])
			}
			for j := range p {
				if !math.IsNaN(p[j]) && p[i] < p[j] && bh[i] > bh[j] {
					t.Fatalf("BH not monotone: p %v < %v but %v > %v", p[i], p[j], bh[i], bh[j])
				}
			}
		}
	})
}
