package dataset

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// numericCSV generates rows x cols of numbers such as "-123.4567", about 9
// bytes a cell with the delimiter, like a typical feature export.
func numericCSV(rows, cols int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 0, rows*cols*10+cols*4)
	for c := range cols {
		if c > 0 {
			b = append(b, ',')
		}
		b = append(b, "f"...)
		b = strconv.AppendInt(b, int64(c), 10)
	}
	b = append(b, '\n')
	for range rows {
		for c := range cols {
			if c > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, rng.NormFloat64()*300, 'f', 4, 64)
		}
		b = append(b, '\n')
	}
	return b
}

// mixedCSV generates the CSV export of a scoring log: a number, a category,
// a 0/1 label, a timestamp and a free-text note with quotes.
func mixedCSV(rows int) []byte {
	rng := rand.New(rand.NewPCG(5, 6))
	merchants := []string{"grocery", "electronics", "travel", "fuel", "gaming"}
	notes := []string{"", "customer called, said \"\"not me\"\"", "card reported stolen yesterday", "NA"}
	b := []byte("amount,merchant,is_fraud,time,note\n")
	for i := range rows {
		b = fmt.Appendf(b, "%.2f,%s,%d,2024-03-%02dT%02d:%02d:%02dZ,", rng.ExpFloat64()*80, merchants[rng.IntN(len(merchants))],
			rng.IntN(2), 1+i%28, rng.IntN(24), rng.IntN(60), rng.IntN(60))
		if note := notes[rng.IntN(len(notes))]; strings.Contains(note, ",") {
			b = append(b, '"')
			b = append(b, note...)
			b = append(b, '"')
		} else {
			b = append(b, note...)
		}
		b = append(b, '\n')
	}
	return b
}

// mixedJSONL generates event-like lines: numbers, a nested object, a
// category, a boolean and a timestamp.
func mixedJSONL(rows int) []byte {
	rng := rand.New(rand.NewPCG(3, 4))
	countries := []string{"DE", "FR", "US", "BR", "IN", "JP"}
	var b []byte
	for i := range rows {
		b = fmt.Appendf(b, `{"id":%d,"features":{"amount":%.2f,"age":%d,"score":%.6f},"country":%q,"fraud":%t,"time":"2024-03-%02dT%02d:%02d:%02dZ"}`+"\n",
			i, rng.ExpFloat64()*80, 18+rng.IntN(70), rng.Float64(), countries[rng.IntN(len(countries))],
			rng.IntN(50) == 0, 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60))
	}
	return b
}

func benchmarkRead(b *testing.B, data []byte, name string, rows int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		t, err := readBytes(data, name, Options{}, 0)
		if err != nil {
			b.Fatal(err)
		}
		if t.Rows != rows {
			b.Fatalf("read %d rows, want %d", t.Rows, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadCSV(b *testing.B) {
	for _, rows := range []int{1e4, 1e6} {
		if rows > 1e4 && testing.Short() {
			continue
		}
		b.Run(fmt.Sprintf("rows=%d/cols=10", rows), func(b *testing.B) {
			benchmarkRead(b, numericCSV(rows, 10), "bench.csv", rows)
		})
	}
	b.Run("rows=100000/mixed", func(b *testing.B) {
		benchmarkRead(b, mixedCSV(1e5), "bench.csv", 1e5)
	})
}

func BenchmarkReadJSONL(b *testing.B) {
	for _, rows := range []int{1e4, 1e5} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			benchmarkRead(b, mixedJSONL(rows), "bench.jsonl", rows)
		})
	}
}

func BenchmarkParseNumber(b *testing.B) {
	cells := [][]byte{[]byte("123.4567"), []byte("-0.000123"), []byte("42"), []byte("6.02214076e23"), []byte("3.141592653589793238")}
	for b.Loop() {
		for _, c := range cells {
			parseNumber(c)
		}
	}
}
