package drift_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/simulate"
)

// simulated returns reference and production tables of the simulator's
// fraud model, read back through the CSV reader as users' files are.
func simulated(t testing.TB, seed uint64, nRef, nCur int, drifts ...simulate.Drift) (ref, cur *dataset.Table) {
	t.Helper()
	gen, err := simulate.NewGenerator(simulate.Options{Seed: seed, Drifts: drifts})
	if err != nil {
		t.Fatal(err)
	}
	return csvTable(t, "reference.csv", simulate.Reference(seed, nRef)), csvTable(t, "production.csv", gen.Take(nCur))
}

func csvTable(t testing.TB, name string, txs []simulate.Transaction) *dataset.Table {
	t.Helper()
	var buf bytes.Buffer
	if err := simulate.WriteCSV(&buf, txs); err != nil {
		t.Fatal(err)
	}
	tab, err := dataset.Read(&buf, name, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// Over many comparisons of data with no drift, each column's test rejects at
// about the nominal level and the dataset-level false alarm rate stays at or
// below it.
func TestCalibrationWithoutDrift(t *testing.T) {
	runs := 1000
	if testing.Short() {
		runs = 100
	}
	const n = 1000
	opts := drift.DefaultOptions()
	alpha := opts.Alpha
	rejected := map[string]int{}
	flagged := map[string]int{}
	datasetAlarms := 0
	var columns []string
	for seed := range uint64(runs) {
		ref, cur := simulated(t, 1000+seed, n, n)
		rep, err := drift.Compare(profile(t, ref), profile(t, cur), opts)
		if err != nil {
			t.Fatal(err)
		}
		if columns == nil {
			for _, c := range rep.Columns {
				columns = append(columns, c.Column)
			}
		}
		for _, c := range rep.Columns {
			if c.PValue < alpha {
				rejected[c.Column]++
			}
			if c.DriftDetected {
				flagged[c.Column]++
			}
		}
		if rep.DatasetDrift {
			datasetAlarms++
		}
	}
	se := math.Sqrt(alpha * (1 - alpha) / float64(runs))
	upper := alpha + 3*se
	for _, name := range columns {
		rate := float64(rejected[name]) / float64(runs)
		t.Logf("%-24s p < %.2f in %5.1f%% of runs, drift flagged in %5.1f%%", name, alpha, 100*rate, 100*float64(flagged[name])/float64(runs))
		if rate > upper {
			t.Errorf("%s: false-positive rate %.3f above %.3f (nominal %.2f + 3 standard errors)", name, rate, upper, alpha)
		}
		// Tests on continuous values must not be conservative either; KS on
		// columns with few distinct values is conservative by nature (as in
		// scipy), so only the upper bound applies to them.
		if continuous[name] && rate < alpha-3*se {
			t.Errorf("%s: false-positive rate %.3f below %.3f: p-values are not calibrated", name, rate, alpha-3*se)
		}
	}
	if len(columns) < 9 {
		t.Errorf("only %d columns tested: %v", len(columns), columns)
	}
	rate := float64(datasetAlarms) / float64(runs)
	t.Logf("dataset-level false alarms: %d of %d (%.1f%%)", datasetAlarms, runs, 100*rate)
	if rate > alpha {
		t.Errorf("dataset-level false alarm rate %.3f above %.2f", rate, alpha)
	}
}

// Columns whose simulated values are (nearly) free of ties, or tested with a
// test whose level does not depend on ties. The score is printed with four
// decimals and mostly near zero, so it is full of ties.
var continuous = map[string]bool{
	"transaction_amount":    true,
	"distance_from_home_km": true,
	"account_age_days":      true,
	"merchant_category":     true,
	"card_present":          true,
}
