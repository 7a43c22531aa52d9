package outlier

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/simulate"
)

// simTable returns n simulated reference transactions as a table, written
// and read back through CSV as the CLI would.
func simTable(tb testing.TB, seed uint64, n int) *dataset.Table {
	tb.Helper()
	return txTable(tb, simulate.Reference(seed, n))
}

func txTable(tb testing.TB, txs []simulate.Transaction) *dataset.Table {
	tb.Helper()
	t, err := readTxs(txs)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func readTxs(txs []simulate.Transaction) (*dataset.Table, error) {
	var buf bytes.Buffer
	if err := simulate.WriteCSV(&buf, txs); err != nil {
		return nil, err
	}
	return dataset.Read(&buf, "reference.csv", dataset.Options{})
}

// simExclude are the simulated columns that are not model inputs.
var simExclude = []string{simulate.ColScore, simulate.ColLabel}

// syntheticTable returns n rows of p correlated numeric features (three
// latent factors plus noise, every third feature skewed by exp) with a
// Boolean column "label" marking the given share of outliers: rows drawn
// uniformly from a box a little wider than the inliers' spread, or
// inliers with one feature shifted far.
func syntheticTable(tb testing.TB, n, p int, contamination float64, seed uint64) *dataset.Table {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	const factors = 3
	load := make([]float64, p*factors)
	for i := range load {
		load[i] = rng.NormFloat64()
	}
	cols := make([]*dataset.Column, p+1)
	for j := range p {
		cols[j] = &dataset.Column{Name: fmt.Sprintf("f%02d", j), Type: dataset.Numeric, Floats: make([]float64, n)}
	}
	label := &dataset.Column{Name: "label", Type: dataset.Boolean, Floats: make([]float64, n)}
	cols[p] = label
	var f [factors]float64
	for i := range n {
		outlier := rng.Float64() < contamination
		for k := range f {
			f[k] = rng.NormFloat64()
		}
		kind := rng.IntN(2)
		for j := range p {
			var v float64
			if outlier && kind == 0 {
				v = (rng.Float64()*2 - 1) * 6
			} else {
				for k := range f {
					v += load[j*factors+k] * f[k]
				}
				v += 0.5 * rng.NormFloat64()
			}
			if outlier && kind == 1 && j == i%p {
				v += 8
			}
			if j%3 == 2 {
				v = math.Exp(v / 2)
			}
			cols[j].Floats[i] = v
		}
		if outlier {
			label.Floats[i] = 1
		}
	}
	return &dataset.Table{Source: "synthetic", Rows: n, Columns: cols}
}
