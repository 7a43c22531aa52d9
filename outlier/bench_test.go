package outlier

import (
	"slices"
	"testing"
	"time"

	"github.com/warden-ml/warden/event"
)

// BenchmarkFit fits the whole calibrated detector on 10^5 rows of 20
// correlated numeric features with 10% outliers.
func BenchmarkFit(b *testing.B) {
	ref := syntheticTable(b, 100_000, 20, 0.1, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Fit(ref, Options{Seed: 1, Exclude: []string{"label"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScore scores simulated production inputs one at a time and
// reports the 99th percentile latency of single calls.
func BenchmarkScore(b *testing.B) {
	d := simDetector(b)
	rows := productionRows(b, 4096)
	var v Verdict
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		start := time.Now()
		if err := d.ScoreInto(rows[i%len(rows)], &v); err != nil {
			b.Fatal(err)
		}
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(start))
		}
		i++
	}
	reportP99(b, lat)
}

// BenchmarkScore20 is BenchmarkScore on 20 numeric features.
func BenchmarkScore20(b *testing.B) {
	ref := syntheticTable(b, 20_000, 20, 0.1, 1)
	d, err := Fit(ref, Options{Seed: 1, Exclude: []string{"label"}})
	if err != nil {
		b.Fatal(err)
	}
	test := syntheticTable(b, 4096, 20, 0.01, 2)
	rows := make([][]event.Feature, test.Rows)
	for i := range rows {
		rows[i], _ = TableRow(test, i, nil)
	}
	var v Verdict
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		start := time.Now()
		if err := d.ScoreInto(rows[i%len(rows)], &v); err != nil {
			b.Fatal(err)
		}
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(start))
		}
		i++
	}
	reportP99(b, lat)
}

// BenchmarkScoreBatch scores a table of 10^4 simulated inputs.
func BenchmarkScoreBatch(b *testing.B) {
	d := simDetector(b)
	test := simTable(b, 21, 10_000)
	out, err := d.ScoreTable(test, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if out, err = d.ScoreTable(test, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*test.Rows), "ns/row")
}

func reportP99(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
}

func productionRows(b *testing.B, n int) [][]event.Feature {
	test := simTable(b, 77, n)
	rows := make([][]event.Feature, test.Rows)
	for i := range rows {
		var err error
		if rows[i], err = TableRow(test, i, nil); err != nil {
			b.Fatal(err)
		}
	}
	return rows
}
