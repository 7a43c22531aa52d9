package drift_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
)

func ExampleCompare() {
	read := func(name, csv string) *dataset.Table {
		t, err := dataset.Read(strings.NewReader(csv), name, dataset.Options{})
		if err != nil {
			panic(err)
		}
		return t
	}
	var ref, cur strings.Builder
	ref.WriteString("amount,channel\n")
	cur.WriteString("amount,channel\n")
	for i := range 400 {
		fmt.Fprintf(&ref, "%d,%s\n", 100+i%50, []string{"web", "app"}[i%2])
		fmt.Fprintf(&cur, "%d,%s\n", 130+i%50, []string{"web", "app"}[i%2])
	}
	refProfile, _ := drift.NewProfile(read("reference.csv", ref.String()), drift.ProfileOptions{})
	curProfile, _ := drift.NewProfile(read("current.csv", cur.String()), drift.ProfileOptions{})
	report, err := drift.Compare(refProfile, curProfile, drift.DefaultOptions())
	if err != nil {
		panic(err)
	}
	report.WriteText(os.Stdout, drift.TextOptions{})
	// Output:
	// DRIFT DETECTION
	// ---------------
	// CRITICAL: Feature 'amount' drift detected
	//   KS statistic 0.60, p < 1e-10 (threshold p < 0.05)
	//   Production mean: $154.50 vs Reference: $124.50
	// No drift: channel
	//
	// DATA QUALITY
	// ------------
	// amount: 240 values (60.0%) outside the reference range [100.00, 149.00]: 0 below, 240 above
	//
	// Summary: DATASET DRIFT: 1 of 2 columns drifted (50.0%), Benjamini-Hochberg at p < 0.05, minimum effect size 0.05
	// Reference: 400 rows   Production: 400 rows
}
