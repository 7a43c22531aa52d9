package outlier

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/internal/shared"
)

// subsetTable returns the given rows of t.
func subsetTable(t *dataset.Table, rows []int) *dataset.Table {
	out := &dataset.Table{Source: t.Source, Rows: len(rows)}
	for _, c := range t.Columns {
		nc := &dataset.Column{Name: c.Name, Type: c.Type, Levels: c.Levels}
		if c.Floats != nil {
			nc.Floats = make([]float64, len(rows))
			for i, r := range rows {
				nc.Floats[i] = c.Floats[r]
			}
		}
		if c.Codes != nil {
			nc.Codes = make([]int32, len(rows))
			for i, r := range rows {
				nc.Codes[i] = c.Codes[r]
			}
		}
		out.Columns = append(out.Columns, nc)
	}
	return out
}

// rocAUC is the Mann-Whitney probability that a random positive scores
// above a random negative, ties counting half.
func rocAUC(scores []float64, positive []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return 0
	})
	var rankSum float64
	pos := 0
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // average 1-based rank of the tie group
		for _, k := range idx[i:j] {
			if positive[k] {
				rankSum += mid
				pos++
			}
		}
		i = j
	}
	neg := len(scores) - pos
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (rankSum - float64(pos*(pos+1))/2) / float64(pos*neg)
}

// recallAtFPR is the share of positives scoring above the (1-fpr) quantile
// of the negatives' scores.
func recallAtFPR(scores []float64, positive []bool, fpr float64) float64 {
	var neg []float64
	for i, s := range scores {
		if !positive[i] {
			neg = append(neg, s)
		}
	}
	slices.Sort(neg)
	limit := neg[min(len(neg)-1, int(float64(len(neg))*(1-fpr)))]
	hit, pos := 0, 0
	for i, s := range scores {
		if positive[i] {
			pos++
			if s > limit {
				hit++
			}
		}
	}
	return float64(hit) / float64(max(pos, 1))
}

type oddsResult struct {
	auc, recall map[string]float64 // by detector name and "combined"
	tpr, fpr    float64            // of the verdict's own flag
}

// evalODDS fits on a shuffled 60% of t (labels excluded, outliers left in)
// and scores the other 40%.
func evalODDS(tb testing.TB, t *dataset.Table, seed uint64, opts Options) oddsResult {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x0dd5))
	perm := rng.Perm(t.Rows)
	cut := t.Rows * 6 / 10
	train, test := subsetTable(t, perm[:cut]), subsetTable(t, perm[cut:])
	opts.Exclude = []string{"label"}
	opts.Seed = seed
	d, err := Fit(train, opts)
	if err != nil {
		tb.Fatal(err)
	}
	vs, err := d.ScoreTable(test, nil)
	if err != nil {
		tb.Fatal(err)
	}
	label := test.Column("label").Floats
	positive := make([]bool, len(label))
	res := oddsResult{auc: map[string]float64{}, recall: map[string]float64{}}
	var tp, fp, pos int
	for i, l := range label {
		positive[i] = l == 1
		if positive[i] {
			pos++
		}
		switch {
		case vs[i].Anomaly && positive[i]:
			tp++
		case vs[i].Anomaly:
			fp++
		}
	}
	res.tpr = float64(tp) / float64(max(pos, 1))
	res.fpr = float64(fp) / float64(max(len(label)-pos, 1))
	scores := make([]float64, len(vs))
	for _, name := range append(detectorNames[:], "combined") {
		for i := range vs {
			if name == "combined" {
				scores[i] = vs[i].Score
			} else {
				scores[i] = vs[i].Scores[name]
			}
		}
		res.auc[name] = rocAUC(scores, positive)
		res.recall[name] = recallAtFPR(scores, positive, 0.01)
	}
	return res
}

// TestODDS reports ROC-AUC and recall at 1% FPR of each detector and of the
// combined score on the ODDS sets, and the verdict's own detection and
// false-positive rates; it asserts only generous floors.
func TestODDS(t *testing.T) {
	dir := shared.Require(t, "outlier")
	floors := map[string]float64{"thyroid": 0.85, "cardio": 0.75, "annthyroid": 0.65, "pendigits": 0.75, "arrhythmia": 0.65}
	names := []string{"thyroid", "cardio", "annthyroid", "pendigits", "arrhythmia"}
	if testing.Short() {
		names = names[:2]
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			tab, err := dataset.ReadFile(filepath.Join(dir, name+".csv"), dataset.Options{})
			if err != nil {
				t.Fatal(err)
			}
			seeds := []uint64{1, 2, 3}
			var mean oddsResult
			mean.auc, mean.recall = map[string]float64{}, map[string]float64{}
			for _, seed := range seeds {
				r := evalODDS(t, tab, seed, Options{})
				for k, v := range r.auc {
					mean.auc[k] += v / float64(len(seeds))
					mean.recall[k] += r.recall[k] / float64(len(seeds))
				}
				mean.tpr += r.tpr / float64(len(seeds))
				mean.fpr += r.fpr / float64(len(seeds))
			}
			for _, k := range append(detectorNames[:], "combined") {
				if _, ok := mean.auc[k]; ok {
					t.Logf("%-10s %-11s ROC-AUC %.3f  recall@1%%FPR %.3f", name, k, mean.auc[k], mean.recall[k])
				}
			}
			t.Logf("%-10s verdict     TPR %.3f  FPR %.4f", name, mean.tpr, mean.fpr)
			if mean.auc["combined"] < floors[name] {
				t.Errorf("combined ROC-AUC %.3f below the floor %.2f", mean.auc["combined"], floors[name])
			}
		})
	}
}
