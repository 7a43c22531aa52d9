package event

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"
)

// parseNumber runs the parser's number reader over s alone.
func parseNumber(s string) (float64, string, error) {
	p := &parser{b: []byte(s + ",")}
	f, next, prob, err := p.number(0)
	if err == nil && prob == "" && next != len(s) {
		return f, "stopped early at " + strconv.Itoa(next), nil
	}
	return f, prob, err
}

func checkNumber(t *testing.T, s string) {
	t.Helper()
	want, werr := strconv.ParseFloat(s, 64)
	got, prob, err := parseNumber(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	if werr != nil {
		if prob == "" {
			t.Fatalf("%s: got %v, want a range problem like strconv's %v", s, got, werr)
		}
		return
	}
	if prob != "" || math.Float64bits(got) != math.Float64bits(want) {
		t.Fatalf("%s: got %v (%b) %q, want %v (%b)", s, got, math.Float64bits(got), prob, want, math.Float64bits(want))
	}
}

func TestNumberHardCases(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "0.0", "-0.0e5", "1", "-1", "0.1", "0.3", "1e23", "8.41e21", "1e22", "1e-22", "123456789012345678",
		"9007199254740992", "9007199254740993", "9007199254740995", "9007199254740993e-5", "9007199254740993e22",
		"2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
		"4.9406564584124654e-324", "5e-324", "2e-324", "1e-400", "1.7976931348623157e308", "1.7976931348623158e308",
		"1.7976931348623159e308", "1e309", "-1e309", "7.038531e-26", "0.30000000000000004", "0.000000000000000000001234",
		"9999999999999999999", "10000000000000000000", "18446744073709551615", "18446744073709551616",
		"1.00000000000000011102230246251565404236316680908203125", "1.0000000000000001110223024625156540423631668090820312",
		"3.0e-64", "3.0e64", "3.0e-65", "3.0e65", "123.456e-70", "1E+2", "1e-0", "12345678901234567890e-30",
	} {
		checkNumber(t, s)
	}
}

// TestNumberRandom compares the parser with strconv on random numbers: the
// shortest form of random float64s, 17-digit forms, random 19-digit
// mantissas with exponents, and long fractions.
func TestNumberRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 400000
	if testing.Short() {
		n = 50000
	}
	for k := range n {
		var s string
		switch k % 5 {
		case 0:
			f := math.Float64frombits(rng.Uint64())
			if math.IsNaN(f) || math.IsInf(f, 0) {
				continue
			}
			s = strconv.FormatFloat(f, 'g', -1, 64)
		case 1:
			s = strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(60)-30)), 'e', 16, 64)
		case 2:
			s = strconv.FormatUint(rng.Uint64()%1e19, 10) + "e" + strconv.Itoa(rng.IntN(160)-80)
		case 3:
			s = "0." + strconv.FormatUint(rng.Uint64()%1e17, 10)
		case 4:
			s = strconv.Itoa(rng.IntN(1e6)) + "." + strconv.Itoa(rng.IntN(100))
		}
		checkNumber(t, s)
	}
}

// TestNumberNearHalfway checks decimals within a hair of the midpoint
// between neighbouring float64s, where a truncated power of ten is most
// likely to round the wrong way.
func TestNumberNearHalfway(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		f := math.Abs(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(120)-60)))
		mid := new(big.Float).SetPrec(256).SetFloat64(f)
		mid.Add(mid, new(big.Float).SetPrec(256).SetFloat64(math.Nextafter(f, math.Inf(1))))
		mid.Quo(mid, big.NewFloat(2))
		for _, digits := range []int{16, 17, 18, 19, 25} {
			checkNumber(t, mid.Text('e', digits-1))
		}
	}
}

// TestEiselLemire checks the algorithm alone over the whole table.
func TestEiselLemire(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	declined := 0
	const n = 200000
	for k := range n {
		mant := rng.Uint64()>>rng.IntN(64) | 1
		exp := minPow10 + k%(maxPow10-minPow10+1)
		got, ok := eiselLemire(mant, exp, k%2 == 0)
		s := strconv.FormatUint(mant, 10) + "e" + strconv.Itoa(exp)
		if k%2 == 0 {
			s = "-" + s
		}
		want, err := strconv.ParseFloat(s, 64)
		if !ok {
			declined++
			continue
		}
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%s: got %v, want %v (%v)", s, got, want, err)
		}
	}
	if declined > n/100 {
		t.Errorf("declined %d of %d", declined, n)
	}
}

func TestSWAR(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200000 {
		var b [8]byte
		for k := range b {
			b[k] = byte(rng.IntN(256))
			if rng.IntN(2) == 0 {
				b[k] = '0' + byte(rng.IntN(10))
			}
			if rng.IntN(4) == 0 {
				b[k] = "\"\\ \x1f\x7f\x80az"[rng.IntN(8)]
			}
		}
		v := load8(b[:], 0)
		digits := 0
		for digits < 8 && isDigit(b[digits]) {
			digits++
		}
		if allDigits(v) != (digits == 8) {
			t.Fatalf("%q: allDigits %v", b, !(digits == 8))
		}
		if digits == 8 {
			want, _ := strconv.ParseUint(string(b[:]), 10, 64)
			if got := digitsValue(v); got != want {
				t.Fatalf("%q: digitsValue %d, want %d", b, got, want)
			}
		}
		first := -1
		for k, c := range b {
			if !plainByte[c] {
				first = k
				break
			}
		}
		m := specialBytes(v)
		if (m == 0) != (first < 0) || (m != 0 && firstMarked(m) != first) {
			t.Fatalf("%q: specialBytes %x, want the first at %d", b, m, first)
		}
		firstASCII := -1
		for k, c := range b {
			if c == '"' || c == '\\' || c < 0x20 {
				firstASCII = k
				break
			}
		}
		m = asciiSpecialBytes(v)
		if (m == 0) != (firstASCII < 0) || (m != 0 && firstMarked(m) != firstASCII) {
			t.Fatalf("%q: asciiSpecialBytes %x, want the first at %d", b, m, firstASCII)
		}
	}
}

func BenchmarkNumber(b *testing.B) {
	for _, s := range []string{"17", "1234.56", "0.9337491233491371", "-1.2345678901234567e-05", "0.000000000000000000001234567"} {
		b.Run(s, func(b *testing.B) {
			p := &parser{b: []byte(s + ",")}
			for b.Loop() {
				p.number(0)
			}
		})
	}
}
