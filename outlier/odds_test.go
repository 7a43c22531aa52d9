package outlier

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/internal/shared"
	"github.com/warden-ml/warden/outlier/metric"
)

type oddsResult struct {
	auc, recall map[string]float64 // by detector name and "combined"
	tpr, fpr    float64            // of the verdict's own flag
}

// oddsForest is the key of the isolation forest alone, scored by its own
// isolation score s rather than its calibrated p-value, which ranks the
// same but for ties where the p-value rounds.
const oddsForest = "isolation"

// evalODDS fits on a shuffled 60% of t (labels excluded, outliers left in)
// and scores the other 40%, as scripts/eval/odds does.
func evalODDS(tb testing.TB, t *dataset.Table, seed uint64, opts Options) oddsResult {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x0dd5))
	perm := rng.Perm(t.Rows)
	cut := t.Rows * 6 / 10
	train, test := t.Select(perm[:cut]), t.Select(perm[cut:])
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
		if _, ok := vs[0].Scores[name]; !ok && name != "combined" {
			continue // detector not active on this set
		}
		for i := range vs {
			switch name {
			case "combined":
				scores[i] = vs[i].Score
			case oddsForest:
				scores[i] = vs[i].Isolation
			default:
				scores[i] = vs[i].Scores[name]
			}
		}
		res.auc[name] = metric.ROCAUC(scores, positive)
		res.recall[name] = metric.RecallAtFPR(scores, positive, 0.01)
	}
	return res
}

// TestODDS reports ROC-AUC and recall at 1% FPR of each detector and of the
// combined score on the ODDS sets (mean of three seeds), and the verdict's
// own detection and false-positive rates. It is a gate:
//   - on every set the combined ROC-AUC is above a floor, at least that of
//     the weakest multivariate detector (a combination worse than each of
//     its parts would be broken), and at most oddsSlack below the forest's;
//   - over the five sets, the combined mean ROC-AUC is at least the
//     forest's, the reason to combine at all.
func TestODDS(t *testing.T) {
	dir := shared.Require(t, "outlier")
	floors := map[string]float64{"thyroid": 0.95, "cardio": 0.85, "annthyroid": 0.8, "pendigits": 0.85, "arrhythmia": 0.7}
	// oddsSlack is about three times the spread of the forest's ROC-AUC
	// between seeds (±0.01).
	const oddsSlack = 0.03
	names := []string{"thyroid", "cardio", "annthyroid", "pendigits", "arrhythmia"}
	if testing.Short() {
		names = names[:2]
	}
	var combinedSum, forestSum float64
	for _, name := range names {
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
		combined, forest := mean.auc["combined"], mean.auc[oddsForest]
		weakest := min(mean.auc["mahalanobis"], mean.auc["knn"], forest)
		switch {
		case combined < floors[name]:
			t.Errorf("%s: combined ROC-AUC %.3f below the floor %.2f", name, combined, floors[name])
		case combined < weakest:
			t.Errorf("%s: combined ROC-AUC %.3f below the weakest multivariate detector's %.3f", name, combined, weakest)
		case combined < forest-oddsSlack:
			t.Errorf("%s: combined ROC-AUC %.3f more than %.2f below the forest's %.3f", name, combined, oddsSlack, forest)
		}
		combinedSum += combined
		forestSum += forest
	}
	n := float64(len(names))
	t.Logf("mean of %d sets: combined ROC-AUC %.3f, forest %.3f", len(names), combinedSum/n, forestSum/n)
	if !testing.Short() && combinedSum < forestSum {
		t.Errorf("mean combined ROC-AUC %.3f below the forest's %.3f", combinedSum/n, forestSum/n)
	}
}
