package stats_test

import (
	"fmt"
	"slices"

	"github.com/warden-ml/warden/stats"
)

func ExampleKSTwoSample() {
	reference := []float64{0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82, 0.37, 1.77, 1.09, -1.28, 2.36, 1.31}
	production := []float64{1.05, 2.13, 1.32, 0.46, 2.72, 1.61, 0.92, 2.20, 1.81, 0.55, 1.29, 2.05, 1.47, 0.98, 2.58, 1.74}
	res, err := stats.KSTwoSample(reference, production)
	if err != nil {
		panic(err)
	}
	fmt.Printf("D=%.4f p=%.3g (%s)\n", res.Statistic, res.PValue, res.Method)
	// Output: D=0.6250 p=0.000914 (exact)
}

func ExampleKSTwoSampleSorted() {
	// Sort the reference once and reuse it for every window.
	reference := []float64{3.1, 2.2, 5.9, 4.4, 1.0, 6.3, 2.8, 3.7}
	slices.Sort(reference)
	window := []float64{4.0, 5.1, 6.6, 7.2, 5.5}
	slices.Sort(window)
	res, err := stats.KSTwoSampleSorted(reference, window)
	if err != nil {
		panic(err)
	}
	fmt.Printf("D=%.3f p=%.3f\n", res.Statistic, res.PValue)
	// Output: D=0.625 p=0.126
}

func ExampleKSPValue() {
	p, method := stats.KSPValue(0.05, 10000, 9999)
	fmt.Printf("%.4g %s\n", p, method)
	p, method = stats.KSPValue(0.05, 50000, 20000)
	fmt.Printf("%.4g %s\n", p, method)
	// Output:
	// 2.615e-11 exact
	// 1.771e-31 asymp
}

func ExampleKolmogorovSF() {
	fmt.Printf("%.6f\n", stats.KolmogorovSF(0.1, 100))
	// Output: 0.252693
}

func ExampleChiSquareContingency() {
	// Requests per model version, by outcome: ok, client error, server error.
	before := []float64{9120, 610, 270}
	after := []float64{8790, 640, 570}
	res, err := stats.ChiSquareContingency(before, after)
	if err != nil {
		panic(err)
	}
	fmt.Printf("chi2=%.2f dof=%d p=%.3g\n", res.Statistic, res.DoF, res.PValue)
	// Output: chi2=113.94 dof=2 p=1.81e-25
}

func ExampleTwoProportionZ() {
	// Null rate of a feature: 45 of 1000 in the reference, 80 of 1000 in production.
	res, err := stats.TwoProportionZ(45, 1000, 80, 1000)
	if err != nil {
		panic(err)
	}
	fmt.Printf("z=%.3f p=%.4f\n", res.Statistic, res.PValue)
	// Output: z=-3.233 p=0.0012
}

func ExampleBenjaminiHochberg() {
	p := []float64{0.01, 0.04, 0.03, 0.005}
	fmt.Println(stats.BenjaminiHochberg(p))
	fmt.Println(stats.Bonferroni(p))
	// Output:
	// [0.02 0.04 0.04 0.02]
	// [0.04 0.16 0.12 0.02]
}

func ExampleKSIndex() {
	// Index a large reference once; test each small window against it.
	reference := make([]float64, 10000)
	for i := range reference {
		reference[i] = float64(i) / 100 // 0.00 .. 99.99
	}
	idx, err := stats.NewKSIndex(reference)
	if err != nil {
		panic(err)
	}
	window := []float64{50, 60, 70, 80, 90, 95, 99}
	res, err := idx.Test(window, true)
	if err != nil {
		panic(err)
	}
	fmt.Printf("D=%.4f p=%.2g (%s)\n", res.Statistic, res.PValue, res.Method)
	// Output: D=0.5000 p=0.038 (asymp)
}
