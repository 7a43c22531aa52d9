package simulate

import (
	"io"
	"testing"
)

func BenchmarkGenerator(b *testing.B) {
	g := mustGenerator(b, Options{Seed: 1, Rate: 10, Drifts: []Drift{
		mustDrift(b, "transaction_amount:scale=2,from=1h"),
		mustDrift(b, "merchant_category:new=crypto_exchange,share=0.2,nulls=0.01"),
	}})
	b.ReportAllocs()
	for b.Loop() {
		g.Next()
	}
}

func BenchmarkReference(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Reference(1, 1000)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/row")
}

func benchmarkWrite(b *testing.B, write func(io.Writer, []Transaction) error) {
	txs := mustGenerator(b, Options{Seed: 1}).Take(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := write(io.Discard, txs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(txs)), "ns/row")
}

func BenchmarkWriteCSV(b *testing.B)    { benchmarkWrite(b, WriteCSV) }
func BenchmarkWriteJSONL(b *testing.B)  { benchmarkWrite(b, WriteJSONL) }
func BenchmarkWriteEvents(b *testing.B) { benchmarkWrite(b, WriteEvents) }
