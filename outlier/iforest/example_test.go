package iforest_test

import (
	"fmt"

	"github.com/warden-ml/warden/outlier/iforest"
)

func ExampleFit() {
	// Reference data: 1000 orders, amounts about 50 ± 10 and about 3 ± 2 items, densest in
	// the middle.
	X := iforest.Matrix{Rows: 1000, Cols: 2}
	for i := range X.Rows {
		amount := 50 + float64(i*37%101-i*59%103)/10
		items := 3 + float64(i*53%97-i*31%89)/45
		X.Data = append(X.Data, amount, items)
	}
	forest, err := iforest.Fit(X, iforest.Options{Seed: 7})
	if err != nil {
		panic(err)
	}

	ordinary := []float64{52, 3}
	odd := []float64{49, 12} // a usual amount, but far too many items
	fmt.Printf("ordinary %.2f\n", forest.Score(ordinary))
	fmt.Printf("odd      %.2f\n", forest.Score(odd))

	why := make([]float64, forest.Cols())
	forest.Contributions(odd, why)
	fmt.Printf("isolated by amount %.0f%%, items %.0f%%\n", 100*why[0], 100*why[1])
	// Output:
	// ordinary 0.43
	// odd      0.63
	// isolated by amount 23%, items 77%
}
