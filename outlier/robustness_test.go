package outlier

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/warden-ml/warden/outlier/metric"
	"github.com/warden-ml/warden/simulate"
)

// injectOutliers returns txs with a share of rows turned into outliers of
// four kinds (a huge amount; a card-present purchase far from home; a burst
// on a brand-new account; a night-time card-absent purchase far away), and
// which rows they are.
func injectOutliers(txs []simulate.Transaction, share float64, seed uint64) ([]simulate.Transaction, []bool) {
	rng := rand.New(rand.NewPCG(seed, 0x1a7e))
	out := slices.Clone(txs)
	marked := make([]bool, len(out))
	for i := range out {
		if rng.Float64() >= share {
			continue
		}
		marked[i] = true
		tx := &out[i]
		switch rng.IntN(4) {
		case 0:
			tx.TransactionAmount *= 8 + 22*rng.Float64()
		case 1:
			tx.DistanceFromHomeKm = 800 + 3200*rng.Float64()
			tx.CardPresent = true
		case 2:
			tx.AccountAgeDays = rng.IntN(5)
			tx.NumTxLast24h = 15 + rng.IntN(25)
		case 3:
			tx.Hour = 3
			tx.TransactionAmount *= 5
			tx.CardPresent = false
			tx.DistanceFromHomeKm = 300 + 100*rng.Float64()
		}
	}
	return out, marked
}

// TestContaminatedReference fits on a reference with 12% injected outliers
// and checks that the ranking of fresh inliers and outliers barely suffers.
func TestContaminatedReference(t *testing.T) {
	clean := simulate.Reference(31, 8000)
	dirty, _ := injectOutliers(clean, 0.12, 1)
	testTx, positive := injectOutliers(simulate.Reference(32, 6000), 0.1, 2)
	test := txTable(t, testTx)
	auc := map[string]map[string]float64{}
	for name, ref := range map[string][]simulate.Transaction{"clean": clean, "contaminated": dirty} {
		d, err := Fit(txTable(t, ref), Options{Exclude: simExclude, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		vs, err := d.ScoreTable(test, nil)
		if err != nil {
			t.Fatal(err)
		}
		auc[name] = map[string]float64{}
		scores := make([]float64, len(vs))
		for _, det := range append(detectorNames[:], "combined") {
			for i, v := range vs {
				if det == "combined" {
					scores[i] = v.Score
				} else {
					scores[i] = v.Scores[det]
				}
			}
			auc[name][det] = metric.ROCAUC(scores, positive)
		}
	}
	for _, det := range append(detectorNames[:], "combined") {
		t.Logf("%-11s ROC-AUC clean reference %.3f, 12%% contaminated %.3f", det, auc["clean"][det], auc["contaminated"][det])
	}
	if c, d := auc["clean"]["combined"], auc["contaminated"]["combined"]; d < 0.9 || d < c-0.05 {
		t.Errorf("combined ROC-AUC %.3f with a contaminated reference (%.3f clean); want >= 0.9 and within 0.05", d, c)
	}
}

// TestContaminationOption checks that trimming the believed contamination
// raises the detection rate on a dirty reference, at a cost in false
// positives bounded by the trimmed share (when every trimmed row was in
// fact normal, FPR applies to the rest: at most about c + FPR).
func TestContaminationOption(t *testing.T) {
	dirty, _ := injectOutliers(simulate.Reference(41, 8000), 0.05, 3)
	ref := txTable(t, dirty)
	testTx, positive := injectOutliers(simulate.Reference(42, 8000), 0.05, 4)
	test := txTable(t, testTx)
	rates := func(c float64) (tpr, fpr float64) {
		d, err := Fit(ref, Options{Exclude: simExclude, Seed: 5, Contamination: c})
		if err != nil {
			t.Fatal(err)
		}
		vs, err := d.ScoreTable(test, nil)
		if err != nil {
			t.Fatal(err)
		}
		var tp, fp, pos int
		for i, v := range vs {
			if positive[i] {
				pos++
			}
			switch {
			case v.Anomaly && positive[i]:
				tp++
			case v.Anomaly:
				fp++
			}
		}
		return float64(tp) / float64(pos), float64(fp) / float64(len(vs)-pos)
	}
	tpr0, fpr0 := rates(0)
	tpr5, fpr5 := rates(0.05)
	t.Logf("Contamination 0: TPR %.3f FPR %.4f; Contamination 0.05: TPR %.3f FPR %.4f", tpr0, fpr0, tpr5, fpr5)
	if tpr5 < tpr0+0.2 {
		t.Errorf("trimming 5%% raised the detection rate only from %.3f to %.3f", tpr0, tpr5)
	}
	if bound := 0.05 + 0.005 + 0.01; fpr5 > bound {
		t.Errorf("trimming 5%% gives a false-positive rate of %.4f, above %.3f", fpr5, bound)
	}
}

// logistic is a logistic regression on robustly standardised features.
type logistic struct {
	center, scale []float64
	w             []float64
	b             float64
}

func (m *logistic) logit(x []float64) float64 {
	s := m.b
	for j, v := range x {
		s += m.w[j] * (v - m.center[j]) / m.scale[j]
	}
	return s
}

// trainLogistic fits by full-batch gradient descent on the class-weighted
// log loss (fraud is rare; unweighted, the model would learn little).
func trainLogistic(x [][]float64, y []bool, center, scale []float64) *logistic {
	dim := len(center)
	m := &logistic{center: center, scale: scale, w: make([]float64, dim)}
	pos := 0
	for _, v := range y {
		if v {
			pos++
		}
	}
	wPos, wNeg := 0.5/float64(pos), 0.5/float64(len(y)-pos)
	grad := make([]float64, dim)
	for range 400 {
		clear(grad)
		var gb float64
		for i, row := range x {
			p := 1 / (1 + math.Exp(-m.logit(row)))
			weight, target := wNeg, 0.0
			if y[i] {
				weight, target = wPos, 1
			}
			g := weight * (p - target)
			for j, v := range row {
				grad[j] += g * (v - center[j]) / scale[j]
			}
			gb += g
		}
		for j := range m.w {
			m.w[j] -= 0.5 * grad[j]
		}
		m.b -= 0.5 * gb
	}
	return m
}

// TestAdversarialPerturbation trains a fraud classifier on the reference,
// pushes legitimate transactions towards the fraud class with gradient-sign
// steps of growing size (in robust scales per feature, integer features
// rounded, every feature kept in its domain) and measures how many the
// detector flags.
func TestAdversarialPerturbation(t *testing.T) {
	d := simDetector(t)
	refTx := simulate.Reference(1, 20000)
	features := []string{simulate.ColTransactionAmount, simulate.ColHour, simulate.ColDistanceFromHomeKm,
		simulate.ColCardPresent, simulate.ColAccountAgeDays, simulate.ColNumTxLast24h}
	vector := func(tx simulate.Transaction) []float64 {
		card := 0.0
		if tx.CardPresent {
			card = 1
		}
		return []float64{tx.TransactionAmount, float64(tx.Hour), tx.DistanceFromHomeKm, card, float64(tx.AccountAgeDays), float64(tx.NumTxLast24h)}
	}
	x := make([][]float64, len(refTx))
	y := make([]bool, len(refTx))
	for i, tx := range refTx {
		x[i], y[i] = vector(tx), tx.Label == 1
	}
	center, scale := make([]float64, len(features)), make([]float64, len(features))
	for j, name := range features {
		m := d.numeric[d.features[d.index[name]].slot]
		center[j], scale[j] = m.median, m.unit()
	}
	model := trainLogistic(x, y, center, scale)

	// Legitimate transactions the model calls legitimate.
	var victims []simulate.Transaction
	for _, tx := range simulate.Reference(55, 20000) {
		if tx.Label == 0 && tx.Missing == 0 && model.logit(vector(tx)) < 0 {
			victims = append(victims, tx)
		}
		if len(victims) == 2000 {
			break
		}
	}
	epsilons := []float64{0, 0.25, 0.5, 1, 2, 4, 8, 16}
	rates := make([]float64, len(epsilons))
	fpr := d.Options().FPR
	perDetector := []string{"isolation", "mahalanobis", "knn", "range"}
	var table strings.Builder
	fmt.Fprintf(&table, "\n| epsilon | model flips | detected | detected among flips | ROC-AUC against the unperturbed |")
	for _, det := range perDetector {
		fmt.Fprintf(&table, " %s alone |", det)
	}
	fmt.Fprintf(&table, "\n|---|---|---|---|---|%s\n", strings.Repeat("---|", len(perDetector)))
	var clean []float64 // combined scores of the unperturbed rows
	for e, eps := range epsilons {
		moved := make([]simulate.Transaction, len(victims))
		flipped := make([]bool, len(victims))
		flips := 0
		for i, tx := range victims {
			step := func(j int) float64 {
				return eps * scale[j] * math.Copysign(1, model.w[j])
			}
			tx.TransactionAmount = math.Max(0.01, math.Round((tx.TransactionAmount+step(0))*100)/100)
			tx.Hour = int(math.Min(23, math.Max(0, math.Round(float64(tx.Hour)+step(1)))))
			tx.DistanceFromHomeKm = math.Max(0, math.Round((tx.DistanceFromHomeKm+step(2))*10)/10)
			tx.AccountAgeDays = int(math.Max(0, math.Round(float64(tx.AccountAgeDays)+step(4))))
			tx.NumTxLast24h = int(math.Max(0, math.Round(float64(tx.NumTxLast24h)+step(5))))
			moved[i] = tx
			if model.logit(vector(tx)) >= 0 {
				flipped[i] = true
				flips++
			}
		}
		vs, err := d.ScoreTable(txTable(t, moved), nil)
		if err != nil {
			t.Fatal(err)
		}
		flagged, flaggedFlips := 0, 0
		detFlags := make([]int, len(perDetector))
		scores := make([]float64, 0, 2*len(vs))
		for i, v := range vs {
			if v.Anomaly {
				flagged++
				if flipped[i] {
					flaggedFlips++
				}
			}
			for k, det := range perDetector {
				if v.Scores[det] > 1-fpr {
					detFlags[k]++
				}
			}
			scores = append(scores, v.Score)
		}
		if e == 0 {
			clean = slices.Clone(scores)
		}
		// How well the combined score tells the perturbed rows from their
		// originals, whether or not it crosses the flag's threshold.
		positive := make([]bool, 2*len(vs))
		for i := range vs {
			positive[i] = true
		}
		auc := metric.ROCAUC(append(scores, clean...), positive)
		rates[e] = float64(flagged) / float64(len(vs))
		amongFlips := "–"
		if flips > 0 {
			amongFlips = fmt.Sprintf("%.1f%%", 100*float64(flaggedFlips)/float64(flips))
		}
		fmt.Fprintf(&table, "| %.2f | %.1f%% | %.1f%% | %s | %.3f |", eps, 100*float64(flips)/float64(len(vs)), 100*rates[e], amongFlips, auc)
		for _, n := range detFlags {
			fmt.Fprintf(&table, " %.1f%% |", 100*float64(n)/float64(len(vs)))
		}
		table.WriteByte('\n')
	}
	// The perturbation pushes towards the fraud class, so its rows come to
	// look like the reference's own fraudulent rows: how many fresh ones the
	// detector flags bounds what it can do for in-distribution attacks.
	var fraud []simulate.Transaction
	for _, tx := range simulate.Reference(56, 40000) {
		if tx.Label == 1 {
			fraud = append(fraud, tx)
		}
	}
	fvs, err := d.ScoreTable(txTable(t, fraud), nil)
	if err != nil {
		t.Fatal(err)
	}
	fraudFlagged := 0
	for _, v := range fvs {
		if v.Anomaly {
			fraudFlagged++
		}
	}
	t.Logf("gradient-sign perturbation of %d legitimate transactions (weights %.2f), flags at FPR %g:%s"+
		"fresh fraudulent transactions (%d) flagged: %.1f%%", len(victims), model.w, fpr, table.String(),
		len(fraud), 100*float64(fraudFlagged)/float64(len(fraud)))
	if rates[0] > 3*d.Options().FPR {
		t.Errorf("unperturbed rows flagged at %.3f", rates[0])
	}
	for e := 1; e < len(rates); e++ {
		if rates[e] < rates[e-1]-0.02 {
			t.Errorf("detection falls from %.3f to %.3f as epsilon grows to %v", rates[e-1], rates[e], epsilons[e])
		}
	}
	// From a step of 8 robust scales on every feature the forest alone
	// flags every row; the combination must not dilute that.
	for e, eps := range epsilons {
		if eps >= 8 && rates[e] < 0.9 {
			t.Errorf("detection at epsilon %v is %.3f, want >= 0.9", eps, rates[e])
		}
	}
}
